using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Azure;
using Azure.Security.KeyVault.Certificates;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Core;

/// <summary>The rest of the certificate surface: import, secrets, lists, policy, soft delete, concurrency, restart.</summary>
public sealed class SurfaceTests : IClassFixture<CoreVaultFixture>
{
    private readonly CoreVault _vault;

    public SurfaceTests(CoreVaultFixture fixture) => _vault = fixture.Vault;

    [Fact]
    public async Task ImportedPfxComesBackAsADownloadableCertificateWithItsKey()
    {
        using var key = RSA.Create(2048);
        using var original = new CertificateRequest("CN=imported", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        var imported = (await _vault.Client.ImportCertificateAsync(new ImportCertificateOptions("imported-one", original.Export(X509ContentType.Pfx)))).Value;
        using var downloaded = (await _vault.Client.DownloadCertificateAsync("imported-one")).Value;

        Assert.Equal(original.RawData, imported.Cer);
        Assert.True(downloaded.HasPrivateKey);
        Assert.Equal(original.Thumbprint, downloaded.Thumbprint);
        Assert.Equal(WellKnownIssuerNames.Unknown, imported.Policy.IssuerName);
    }

    [Fact]
    public async Task ImportedPemWithEcKeyAndChainKeepsLeafFirst()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=pem root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(60));
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var leaf = new CertificateRequest("CN=pem leaf", leafKey, HashAlgorithmName.SHA384)
            .Create(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3]);
        var pem = root.ExportCertificatePem() + "\n" + leafKey.ExportPkcs8PrivateKeyPem() + "\n" + leaf.ExportCertificatePem();
        var options = new ImportCertificateOptions("pem-imported", System.Text.Encoding.UTF8.GetBytes(pem))
        {
            Policy = new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=pem leaf") { ContentType = CertificateContentType.Pem },
        };

        var imported = (await _vault.Client.ImportCertificateAsync(options)).Value;
        using var downloaded = (await _vault.Client.DownloadCertificateAsync("pem-imported")).Value;

        Assert.Equal(leaf.RawData, imported.Cer);
        Assert.Equal(CertificateKeyType.Ec, imported.Policy.KeyType);
        Assert.Equal(CertificateKeyCurveName.P384, imported.Policy.KeyCurveName);
        Assert.True(downloaded.HasPrivateKey);
        Assert.Equal(leaf.Thumbprint, downloaded.Thumbprint);
    }

    [Fact]
    public async Task PemPolicyGivesAPemSecretForEcKeys()
    {
        var policy = new CertificatePolicy(WellKnownIssuerNames.Self, "CN=ec.example")
        {
            KeyType = CertificateKeyType.Ec,
            KeyCurveName = CertificateKeyCurveName.P384,
            ContentType = CertificateContentType.Pem,
        };
        var operation = await _vault.Client.StartCreateCertificateAsync("ec-pem", policy);
        await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);

        using var downloaded = (await _vault.Client.DownloadCertificateAsync("ec-pem")).Value;

        Assert.True(downloaded.HasPrivateKey);
        using var ec = downloaded.GetECDsaPrivateKey();
        Assert.Equal(384, ec!.KeySize);
    }

    [Fact]
    public async Task SoftDeletedNameRefusesCreateUntilRecoveredOrPurged()
    {
        var policy = new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=deleted");
        await _vault.Client.StartCreateCertificateAsync("deleted-one", policy);
        var delete = await _vault.Client.StartDeleteCertificateAsync("deleted-one");
        await delete.WaitForCompletionAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);

        var conflict = await Assert.ThrowsAsync<RequestFailedException>(() => _vault.Client.StartCreateCertificateAsync("deleted-one", policy));
        Assert.Equal(409, conflict.Status);
        Assert.Contains("ObjectIsDeletedButRecoverable", conflict.Message, StringComparison.Ordinal);
        Assert.Single(await _vault.Client.GetDeletedCertificatesAsync(includePending: true).ToListAsync());

        var recover = await _vault.Client.StartRecoverDeletedCertificateAsync("deleted-one");
        await recover.WaitForCompletionAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        Assert.False((await _vault.Client.GetCertificateAsync("deleted-one")).Value.Properties.Enabled);

        await (await _vault.Client.StartDeleteCertificateAsync("deleted-one")).WaitForCompletionAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        await _vault.Client.PurgeDeletedCertificateAsync("deleted-one");
        Assert.Equal("inProgress", (await _vault.Client.StartCreateCertificateAsync("deleted-one", policy)).Properties.Status);
    }

    [Fact]
    public async Task ListingPagesAndHidesPendingUnlessAsked()
    {
        await using var vault = await CoreVault.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await vault.Client.StartCreateCertificateAsync($"listed-{i}", new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=listed"));
        }

        var firstPage = await vault.GetJsonAsync("certificates?api-version=7.6&includePending=true&maxresults=2");
        var nextLink = firstPage.GetProperty("nextLink").GetString()!;
        var secondPage = await vault.GetJsonAsync(nextLink);

        Assert.Equal(2, firstPage.GetProperty("value").GetArrayLength());
        Assert.Equal(1, secondPage.GetProperty("value").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, secondPage.GetProperty("nextLink").ValueKind);
        Assert.Equal(3, await vault.Client.GetPropertiesOfCertificatesAsync(includePending: true).CountAsync());
        Assert.Empty(await vault.Client.GetPropertiesOfCertificatesAsync(includePending: false).ToListAsync());
        Assert.Single(await vault.Client.GetPropertiesOfCertificateVersionsAsync("listed-0").ToListAsync());
    }

    [Fact]
    public async Task PolicyUpdateKeepsWhatItDoesNotMention()
    {
        var created = await _vault.Client.StartCreateCertificateAsync("policy-one", new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=policy") { KeySize = 3072 });
        var policy = (await _vault.Client.GetCertificatePolicyAsync("policy-one")).Value;
        policy.ValidityInMonths = 6;

        var updated = (await _vault.Client.UpdateCertificatePolicyAsync("policy-one", policy)).Value;

        Assert.Equal(6, updated.ValidityInMonths);
        Assert.Equal(3072, updated.KeySize);
        Assert.Equal("inProgress", created.Properties.Status);
    }

    [Fact]
    public async Task ContactsAreSetReadAndDeleted()
    {
        await _vault.Client.SetContactsAsync([new CertificateContact { Email = "ops@example.com", Name = "Ops" }]);

        var contacts = (await _vault.Client.GetContactsAsync()).Value;
        Assert.Equal("ops@example.com", Assert.Single(contacts).Email);
        await _vault.Client.DeleteContactsAsync();
        Assert.Equal(404, (await Assert.ThrowsAsync<RequestFailedException>(() => _vault.Client.GetContactsAsync())).Status);
    }

    [Fact]
    public async Task RacingCreatesOfOneNameGiveExactlyOneAccepted()
    {
        var policy = new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=race");
        var attempts = Enumerable.Range(0, 8).Select(async _ =>
        {
            try
            {
                await _vault.Client.StartCreateCertificateAsync("race-one", policy);
                return 202;
            }
            catch (RequestFailedException e)
            {
                return e.Status;
            }
        });

        var statuses = await Task.WhenAll(attempts);

        Assert.Single(statuses, s => s == 202);
        Assert.All(statuses.Where(s => s != 202), s => Assert.Equal(409, s));
    }

    [Fact]
    public async Task BadInputGetsKeyVaultShapedErrors()
    {
        await AssertBadRequestAsync(HttpMethod.Post, "certificates/bad_name/create", "{}");
        await AssertBadRequestAsync(HttpMethod.Post, "certificates/good-name/create", "{not json");
        await AssertBadRequestAsync(HttpMethod.Post, "certificates/good-name/create", "{\"policy\":{\"key_props\":{\"key_size\":\"big\"}}}");
        await AssertBadRequestAsync(HttpMethod.Post, "certificates/good-name/create", "{\"policy\":{\"x509_props\":{\"subject\":\"not a dn ===\"}}}");
        await AssertBadRequestAsync(HttpMethod.Post, "certificates/good-name/pending/merge", "{\"x5c\":[\"!!notbase64\"]}");
        await AssertBadRequestAsync(HttpMethod.Post, "certificates/good-name/pending/merge", "{\"x5c\":[]}");
        await AssertBadRequestAsync(HttpMethod.Post, "certificates/good-name/pending/merge", "{\"x5c\":[\"aGVsbG8sIG5vdCBhIGNlcnRpZmljYXRl\"]}");
    }

    [Fact]
    public async Task RestartKeepsEverythingAndFinishesAnInProgressCaRequest()
    {
        await using var vault = await CoreVault.StartAsync();
        await vault.Client.CreateIssuerAsync(new CertificateIssuer("slow-ca", "GlobalSign"));
        vault.Server.SetIssuerSimulation("slow-ca", new IssuerSimulation(TimeSpan.FromSeconds(1), IssuerOutcome.Issue, HonourCancellation: false));
        await vault.Client.StartCreateCertificateAsync("restart-one", new CertificatePolicy("slow-ca", "CN=restart"));
        var tlsCertificate = vault.Server.TlsCertificate.RawData;
        var caRoot = await File.ReadAllTextAsync(vault.Server.CaCertificatePemPath);
        await vault.Server.StopAsync();

        await using var restarted = await CoreVault.StartAsync(vault.DataDirectory);
        Assert.Equal(tlsCertificate, restarted.Server.TlsCertificate.RawData);
        Assert.Equal(caRoot, await File.ReadAllTextAsync(restarted.Server.CaCertificatePemPath));
        var operation = await restarted.Client.GetCertificateOperationAsync("restart-one");
        var certificate = (await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None)).Value;

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.Cer);
        Assert.Equal("CN=KvCertPending Local CA, O=KvCertPending local vault", leaf.Issuer);
        Assert.Equal("GlobalSign", (await restarted.Client.GetIssuerAsync("slow-ca")).Value.Provider);
    }


    private async Task AssertBadRequestAsync(HttpMethod method, string path, string json)
    {
        using var response = await _vault.SendAsync(method, path + "?api-version=7.6", json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} {json} -> {(int)response.StatusCode} {text}");
        using var body = JsonDocument.Parse(text);
        Assert.Equal("BadParameter", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
