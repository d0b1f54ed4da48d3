using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure;
using Azure.Security.KeyVault.Certificates;
using Azure.Security.KeyVault.Secrets;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Surface;

/// <summary>The rest of the certificate API: lists and paging, versions, policy, attributes, import, soft delete.</summary>
[Collection(SurfaceCollection.Name)]
public sealed class SurfaceTests(VaultFixture fixture)
{
    private VaultConnection Vault => fixture.Vault;

    [Fact]
    public async Task List_IncludePending_MaxResults_NextLinkPaging()
    {
        string prefix = Names.New("lst");
        string[] completed = Enumerable.Range(0, 3).Select(i => $"{prefix}-done{i}").ToArray();
        string[] pending = Enumerable.Range(0, 2).Select(i => $"{prefix}-pend{i}").ToArray();
        foreach (string name in completed)
        {
            await Vault.CreateRawAsync(name, Policies.Self());
        }

        foreach (string name in pending)
        {
            await Vault.CreateRawAsync(name, Policies.Manual());
        }

        foreach (string name in completed)
        {
            Assert.Equal("completed", KvAssert.Str(await Vault.WaitForFinalAsync(name), "status"));
        }

        // Raw paging with maxresults=2: every page has at most 2 items and a nextLink until the end.
        (List<JsonNode> items, int pages) = await Vault.Raw.GetAllPagesAsync("/certificates?maxresults=2&includePending=true", pageSize: 2);
        List<string> rawIds = items.Select(v => KvAssert.Str(v, "id")).ToList();

        Assert.True(pages >= 3, $"5+ items at maxresults=2 came in {pages} page(s)");
        Assert.Equal(rawIds.Count, rawIds.Distinct().Count());
        foreach (string name in completed.Concat(pending))
        {
            Assert.Contains($"{Vault.Raw.BaseUrl}/certificates/{name}", rawIds);
        }

        // Items are certificate ids without version, with attributes; x5t on completed ones.
        RawResponse one = await Vault.Raw.GetAsync("/certificates?maxresults=25&includePending=true");
        JsonNode item = one.Json["value"]!.AsArray().First(v => KvAssert.Str(v, "id").EndsWith(completed[0], StringComparison.Ordinal))!;
        Assert.NotNull(item["attributes"]);
        Assert.NotNull(item["x5t"]);

        // Through the SDK: includePending decides whether pending certificates show.
        var withPending = (await Vault.Certificates.GetPropertiesOfCertificatesAsync(includePending: true).ToListAsync()).Select(p => p.Name).ToHashSet();
        var withoutPending = (await Vault.Certificates.GetPropertiesOfCertificatesAsync(includePending: false).ToListAsync()).Select(p => p.Name).ToHashSet();

        Assert.Subset(withPending, completed.Concat(pending).ToHashSet());
        Assert.Subset(withoutPending, completed.ToHashSet());
        Assert.Empty(withoutPending.Intersect(pending));

        // maxresults out of range is a bad parameter.
        KvAssert.Error(await Vault.Raw.GetAsync("/certificates?maxresults=0"), HttpStatusCode.BadRequest, "BadParameter");
        KvAssert.Error(await Vault.Raw.GetAsync("/certificates?maxresults=26"), HttpStatusCode.BadRequest, "BadParameter");
    }

    [Fact]
    public async Task Versions_ListedAndReadableByVersion()
    {
        string name = Names.New("ver");
        await Vault.CreateRawAsync(name, Policies.Self("CN=v1"));
        await Vault.WaitForFinalAsync(name);
        await Vault.CreateRawAsync(name, Policies.Self("CN=v2"));
        await Vault.WaitForFinalAsync(name);

        List<CertificateProperties> versions = await Vault.Certificates.GetPropertiesOfCertificateVersionsAsync(name).ToListAsync();

        Assert.Equal(2, versions.Count);
        Assert.All(versions, v => Assert.Matches("^[0-9a-f]{32}$", v.Version));

        KeyVaultCertificateWithPolicy latest = await Vault.Certificates.GetCertificateAsync(name);
        Assert.Contains(latest.Properties.Version, versions.Select(v => v.Version));
        using X509Certificate2 latestCert = X509CertificateLoader.LoadCertificate(latest.Cer);
        Assert.Equal("CN=v2", latestCert.Subject);

        string older = versions.Single(v => v.Version != latest.Properties.Version).Version;
        KeyVaultCertificate first = await Vault.Certificates.GetCertificateVersionAsync(name, older);
        using X509Certificate2 firstCert = X509CertificateLoader.LoadCertificate(first.Cer);
        Assert.Equal("CN=v1", firstCert.Subject);

        RawResponse raw = await Vault.Raw.GetAsync($"/certificates/{name}/versions?maxresults=1");
        Assert.Equal(HttpStatusCode.OK, raw.Status);
        Assert.Single(raw.Json["value"]!.AsArray());
        Assert.NotNull(raw.Json["nextLink"]);

        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/{name}/{new string('0', 32)}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Policy_GetAndUpdate()
    {
        string name = Names.New("pol");
        await Vault.CreateRawAsync(name, Policies.Self("CN=before"));
        await Vault.WaitForFinalAsync(name);

        CertificatePolicy policy = await Vault.Certificates.GetCertificatePolicyAsync(name);
        Assert.Equal("CN=before", policy.Subject);
        var changed = new CertificatePolicy(policy.IssuerName, "CN=after") { ValidityInMonths = 6 };
        CertificatePolicy updated = await Vault.Certificates.UpdateCertificatePolicyAsync(name, changed);
        Assert.Equal("CN=after", updated.Subject);
        Assert.Equal(6, updated.ValidityInMonths);

        RawResponse raw = await Vault.Raw.PatchAsync($"/certificates/{name}/policy", new JsonObject
        {
            ["key_props"] = new JsonObject { ["reuse_key"] = true },
        });
        Assert.Equal(HttpStatusCode.OK, raw.Status);
        Assert.True(raw.Json["key_props"]!["reuse_key"]!.GetValue<bool>());
        Assert.Equal("CN=after", KvAssert.Str(raw.Json["x509_props"], "subject"));

        CertificatePolicy reread = await Vault.Certificates.GetCertificatePolicyAsync(name);
        Assert.Equal("CN=after", reread.Subject);
        Assert.Equal(6, reread.ValidityInMonths);
        Assert.True(reread.ReuseKey);

        // The certificate itself is unchanged until the next version.
        KeyVaultCertificateWithPolicy current = await Vault.Certificates.GetCertificateAsync(name);
        using X509Certificate2 cert = X509CertificateLoader.LoadCertificate(current.Cer);
        Assert.Equal("CN=before", cert.Subject);
        Assert.Equal("CN=after", current.Policy.Subject);
    }

    [Fact]
    public async Task Attributes_Update()
    {
        string name = Names.New("attr");
        await Vault.CreateRawAsync(name, Policies.Self());
        await Vault.WaitForFinalAsync(name);
        KeyVaultCertificateWithPolicy certificate = await Vault.Certificates.GetCertificateAsync(name);

        certificate.Properties.Enabled = false;
        certificate.Properties.Tags["env"] = "test";
        KeyVaultCertificate updated = await Vault.Certificates.UpdateCertificatePropertiesAsync(certificate.Properties);
        Assert.False(updated.Properties.Enabled);
        Assert.Equal("test", updated.Properties.Tags["env"]);

        KeyVaultCertificateWithPolicy reread = await Vault.Certificates.GetCertificateAsync(name);
        Assert.False(reread.Properties.Enabled);
        Assert.Equal("test", reread.Properties.Tags["env"]);
        Assert.Equal(certificate.Cer, reread.Cer);
        Assert.Equal(certificate.Properties.Version, reread.Properties.Version);
    }

    [Fact]
    public async Task CreateAndMerge_CarryEnabledAndTags()
    {
        string created = Names.New("ctag");
        CertificateOperation operation = await Vault.Certificates.StartCreateCertificateAsync(
            created,
            new CertificatePolicy("Self", "CN=ctag"),
            enabled: false,
            tags: new Dictionary<string, string> { ["team"] = "pki" },
            cancellationToken: CancellationToken.None);
        KeyVaultCertificateWithPolicy self = await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        Assert.False(self.Properties.Enabled);
        Assert.Equal("pki", self.Properties.Tags["team"]);
        Assert.NotEmpty(self.Cer);

        string merged = Names.New("mtag");
        CertificateOperation manual = await Vault.Certificates.StartCreateCertificateAsync(merged, new CertificatePolicy("Unknown", "CN=mtag"));
        IReadOnlyList<byte[]> chain = await Vault.SignWithLocalCaAsync(manual.Properties.Csr);
        var options = new MergeCertificateOptions(merged, chain) { Enabled = false };
        options.Tags["source"] = "merge";
        KeyVaultCertificateWithPolicy result = await Vault.Certificates.MergeCertificateAsync(options);
        Assert.False(result.Properties.Enabled);
        Assert.Equal("merge", result.Properties.Tags["source"]);
        KeyVaultCertificateWithPolicy reread = await Vault.Certificates.GetCertificateAsync(merged);
        Assert.False(reread.Properties.Enabled);
        Assert.Equal("merge", reread.Properties.Tags["source"]);
    }

    [Theory]
    [InlineData("CN=J\u00fcrgen M\u00fcller, O=Stra\u00dfe GmbH")]
    [InlineData("CN=\"Contoso, Ltd\", O=Contoso")]
    [InlineData("CN=only-sans")]
    public async Task Subjects_RoundTripIntoCsrAndCertificate(string subject)
    {
        string name = Names.New("subj");
        CertificateOperation operation = await Vault.Certificates.StartCreateCertificateAsync(name, new CertificatePolicy("Self", subject));
        CertificateRequest csr = Asn.LoadCsr(operation.Properties.Csr);
        Assert.Equal(new X500DistinguishedName(subject).Name, csr.SubjectName.Name);

        KeyVaultCertificateWithPolicy certificate = await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        using X509Certificate2 cert = X509CertificateLoader.LoadCertificate(certificate.Cer);
        Assert.Equal(new X500DistinguishedName(subject).Name, cert.SubjectName.Name);
    }

    [Fact]
    public async Task SansOnly_NoSubject_Accepted()
    {
        string name = Names.New("sans");
        var sans = new SubjectAlternativeNames();
        sans.DnsNames.Add("sans-only.contoso.com");
        CertificateOperation operation = await Vault.Certificates.StartCreateCertificateAsync(name, new CertificatePolicy("Unknown", sans));
        CertificateRequest csr = Asn.LoadCsr(operation.Properties.Csr);
        X509Extension san = Asn.Find(csr.CertificateExtensions, "2.5.29.17") ?? throw new Xunit.Sdk.XunitException("no SAN extension");
        Assert.Equal(["sans-only.contoso.com"], Asn.SubjectAltNames(san).Dns);
    }

    [Fact]
    public async Task Contacts_SetGetDelete()
    {
        CertificateContact[] contacts =
        [
            new CertificateContact { Email = "pki@contoso.com", Name = "PKI team", Phone = "555-0100" },
            new CertificateContact { Email = "oncall@contoso.com" },
        ];

        IList<CertificateContact> set = (await Vault.Certificates.SetContactsAsync(contacts)).Value;
        Assert.Equal(contacts.Select(c => c.Email), set.Select(c => c.Email));

        IList<CertificateContact> got = (await Vault.Certificates.GetContactsAsync()).Value;
        Assert.Equal(contacts.Select(c => (c.Email, c.Name, c.Phone)), got.Select(c => (c.Email, c.Name, c.Phone)));

        IList<CertificateContact> deleted = (await Vault.Certificates.DeleteContactsAsync()).Value;
        Assert.Equal(contacts.Select(c => c.Email), deleted.Select(c => c.Email));
        RawResponse after = await Vault.Raw.GetAsync("/certificates/contacts");
        KvAssert.Error(after, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Import_Pfx_WithPassword()
    {
        string name = Names.New("ipfx");
        byte[] pfx = Chains.SelfSignedPfx("CN=imported.contoso.com", "pfx-password");
        using X509Certificate2 original = X509CertificateLoader.LoadPkcs12(pfx, "pfx-password");

        KeyVaultCertificateWithPolicy imported = await Vault.Certificates.ImportCertificateAsync(new ImportCertificateOptions(name, pfx) { Password = "pfx-password" });
        Assert.Equal(original.RawData, imported.Cer);
        Assert.True(imported.Properties.Enabled);
        Assert.Equal("CN=imported.contoso.com", imported.Policy.Subject);

        KeyVaultSecret secret = await Vault.Secrets.GetSecretAsync(name);
        using X509Certificate2 exported = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(secret.Value), null);
        Assert.True(exported.HasPrivateKey);
        Assert.Equal(original.RawData, exported.RawData);

        // An imported certificate has no pending object.
        KvAssert.Error(await Vault.GetPendingAsync(name), HttpStatusCode.NotFound, "PendingCertificateNotFound");
    }

    [Fact]
    public async Task Import_Pem()
    {
        string name = Names.New("ipem");
        string pem = Chains.SelfSignedPem("CN=pem.contoso.com");
        using X509Certificate2 original = X509Certificate2.CreateFromPem(pem, pem);

        RawResponse imported = await Vault.Raw.PostAsync($"/certificates/{name}/import", new JsonObject
        {
            ["value"] = pem,
            ["policy"] = new JsonObject { ["secret_props"] = new JsonObject { ["contentType"] = "application/x-pem-file" } },
        });
        Assert.True(imported.Status == HttpStatusCode.OK, imported.ToString());
        Assert.Equal(original.RawData, Convert.FromBase64String(KvAssert.Str(imported.Json, "cer")));

        KeyVaultSecret secret = await Vault.Secrets.GetSecretAsync(name);
        Assert.Equal("application/x-pem-file", secret.Properties.ContentType);
        using X509Certificate2 exported = X509Certificate2.CreateFromPem(secret.Value, secret.Value);
        Assert.True(exported.HasPrivateKey);
        Assert.Equal(original.RawData, exported.RawData);
    }

    [Fact]
    public async Task Import_BlockedWhilePendingInProgress_AllowedAfter()
    {
        string name = Names.New("iblk");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.Manual());
        byte[] pfx = Chains.SelfSignedPfx("CN=blocked");

        RawResponse blocked = await Vault.Raw.PostAsync($"/certificates/{name}/import", new JsonObject { ["value"] = Convert.ToBase64String(pfx) });
        KvAssert.Error(blocked, HttpStatusCode.Conflict, "Conflict");
        Assert.True(JsonNode.DeepEquals(created, (await Vault.GetPendingAsync(name)).Json));

        Assert.Equal(HttpStatusCode.OK, (await Vault.Raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true })).Status);
        Assert.Equal(HttpStatusCode.OK, (await Vault.Raw.DeleteAsync($"/certificates/{name}/pending")).Status);
        KeyVaultCertificateWithPolicy imported = await Vault.Certificates.ImportCertificateAsync(new ImportCertificateOptions(name, pfx));
        Assert.True(imported.Properties.Enabled);
    }

    [Fact]
    public async Task SoftDelete_GetListRecoverPurge_AndCreateOnDeletedNameConflicts()
    {
        string name = Names.New("sdel");
        await Vault.CreateRawAsync(name, Policies.Self("CN=sdel"));
        await Vault.WaitForFinalAsync(name);
        KeyVaultCertificateWithPolicy original = await Vault.Certificates.GetCertificateAsync(name);

        DeleteCertificateOperation deleting = await Vault.Certificates.StartDeleteCertificateAsync(name);
        DeletedCertificate deleted = await deleting.WaitForCompletionAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        Assert.Equal(name, deleted.Name);
        Assert.NotNull(deleted.RecoveryId);
        Assert.NotNull(deleted.DeletedOn);
        Assert.NotNull(deleted.ScheduledPurgeDate);
        Assert.Equal(original.Cer, deleted.Cer);

        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/{name}"), HttpStatusCode.NotFound);
        DeletedCertificate got = await Vault.Certificates.GetDeletedCertificateAsync(name);
        Assert.Equal(deleted.RecoveryId, got.RecoveryId);

        List<DeletedCertificate> listed = await Vault.Certificates.GetDeletedCertificatesAsync().ToListAsync();
        Assert.Contains(name, listed.Select(d => d.Name));

        RawResponse conflict = await Vault.Raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = Policies.Self() });
        JsonObject error = KvAssert.Error(conflict, HttpStatusCode.Conflict, "Conflict");
        Assert.Equal("ObjectIsDeletedButRecoverable", error["innererror"]?["code"]?.GetValue<string>());
        RawResponse importConflict = await Vault.Raw.PostAsync($"/certificates/{name}/import", new JsonObject { ["value"] = Convert.ToBase64String(Chains.SelfSignedPfx("CN=x")) });
        KvAssert.Error(importConflict, HttpStatusCode.Conflict, "Conflict");

        RecoverDeletedCertificateOperation recovering = await Vault.Certificates.StartRecoverDeletedCertificateAsync(name);
        KeyVaultCertificateWithPolicy recovered = await recovering.WaitForCompletionAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        Assert.Equal(original.Cer, recovered.Cer);
        Assert.Equal(original.Properties.Version, recovered.Properties.Version);
        KvAssert.Error(await Vault.Raw.GetAsync($"/deletedcertificates/{name}"), HttpStatusCode.NotFound);

        // Delete again and purge: the name is free.
        await (await Vault.Certificates.StartDeleteCertificateAsync(name)).WaitForCompletionAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        await Vault.Certificates.PurgeDeletedCertificateAsync(name);
        RequestFailedException gone = await Assert.ThrowsAsync<RequestFailedException>(() => Vault.Certificates.GetDeletedCertificateAsync(name));
        Assert.Equal(404, gone.Status);
        await Vault.CreateRawAsync(name, Policies.Self());
    }

    [Fact]
    public async Task SoftDelete_ErrorCases()
    {
        string never = Names.New("sdx");
        KvAssert.Error(await Vault.Raw.GetAsync($"/deletedcertificates/{never}"), HttpStatusCode.NotFound);
        KvAssert.Error(await Vault.Raw.PostAsync($"/deletedcertificates/{never}/recover", null), HttpStatusCode.NotFound);
        KvAssert.Error(await Vault.Raw.DeleteAsync($"/deletedcertificates/{never}"), HttpStatusCode.NotFound);
        KvAssert.Error(await Vault.Raw.DeleteAsync($"/certificates/{never}"), HttpStatusCode.NotFound, "CertificateNotFound");
        KvAssert.Error(await Vault.Raw.GetAsync("/deletedcertificates/bad_name"), HttpStatusCode.BadRequest, "BadParameter");
        KvAssert.Error(await Vault.Raw.DeleteAsync("/certificates/bad_name"), HttpStatusCode.BadRequest, "BadParameter");

        // A live certificate cannot be purged or recovered: it is not deleted.
        string live = Names.New("sdl");
        await Vault.CreateRawAsync(live, Policies.Manual());
        KvAssert.Error(await Vault.Raw.DeleteAsync($"/deletedcertificates/{live}"), HttpStatusCode.NotFound);
        KvAssert.Error(await Vault.Raw.PostAsync($"/deletedcertificates/{live}/recover", null), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await Vault.GetPendingAsync(live)).Status);

        // Deleting twice: the second time there is nothing live to delete.
        Assert.Equal(HttpStatusCode.OK, (await Vault.Raw.DeleteAsync($"/certificates/{live}")).Status);
        KvAssert.Error(await Vault.Raw.DeleteAsync($"/certificates/{live}"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await Vault.Raw.GetAsync($"/deletedcertificates/{live}")).Status);
    }

    [Fact]
    public async Task DeletedList_PagesWithMaxResults()
    {
        string prefix = Names.New("dlp");
        for (int i = 0; i < 3; i++)
        {
            string name = $"{prefix}-{i}";
            await Vault.CreateRawAsync(name, Policies.Manual());
            Assert.Equal(HttpStatusCode.OK, (await Vault.Raw.DeleteAsync($"/certificates/{name}")).Status);
        }

        (List<JsonNode> items, int pages) = await Vault.Raw.GetAllPagesAsync("/deletedcertificates?maxresults=1&includePending=true", pageSize: 1);
        List<string> ids = items.Select(v => KvAssert.Str(v, "id")).ToList();
        Assert.True(pages >= 3, $"3+ deleted items at maxresults=1 came in {pages} page(s)");

        for (int i = 0; i < 3; i++)
        {
            Assert.Contains($"{Vault.Raw.BaseUrl}/certificates/{prefix}-{i}", ids);
        }
    }

    [Fact]
    public async Task DeleteCertificate_WithPendingObject_RemovesBoth()
    {
        string name = Names.New("dpen");
        await Vault.CreateRawAsync(name, Policies.Manual());
        RawResponse deleted = await Vault.Raw.DeleteAsync($"/certificates/{name}");
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/{name}"), HttpStatusCode.NotFound);
        KvAssert.Error(await Vault.GetPendingAsync(name), HttpStatusCode.NotFound);
        RawResponse purged = await Vault.Raw.DeleteAsync($"/deletedcertificates/{name}");
        Assert.Equal(HttpStatusCode.NoContent, purged.Status);
    }
}
