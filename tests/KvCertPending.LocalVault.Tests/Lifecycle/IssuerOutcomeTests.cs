using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Lifecycle;

/// <summary>Every simulated CA outcome, set per issuer through the management endpoint.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class IssuerOutcomeTests(VaultFixture fixture)
{
    private VaultConnection Vault => fixture.Vault;

    [Theory]
    [InlineData("DigiCert")]
    [InlineData("GlobalSign")]
    [InlineData("OneCertV2-PublicCA")]
    [InlineData("OneCertV2-PrivateCA")]
    public async Task Issue_CompletesWithCertificateChainedToLocalCaRoot(string provider)
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 0.3, provider: provider);
        string name = Names.New("iss");
        var policy = new CertificatePolicy(issuer, "CN=issued.contoso.com", new SubjectAlternativeNames { DnsNames = { "issued.contoso.com" } });

        CertificateOperation operation = await Vault.Certificates.StartCreateCertificateAsync(name, policy);
        KeyVaultCertificateWithPolicy certificate = await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None);

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(certificate.Cer);
        using X509Certificate2 root = X509Certificate2.CreateFromPem(await Vault.ReadCaRootPemAsync());
        using X509Certificate2 rootFromFile = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(fixture.Server.CaCertificatePemPath));
        Assert.Equal(root.RawData, rootFromFile.RawData);

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(root.RawData, chain.ChainElements[^1].Certificate.RawData);
        Assert.NotEqual(leaf.Subject, leaf.Issuer);

        // The issued key is the pending request's key.
        CertificateRequest csr = CertificateRequest.LoadSigningRequest(operation.Properties.Csr, System.Security.Cryptography.HashAlgorithmName.SHA256);
        Assert.Equal(csr.PublicKey.EncodedKeyValue.RawData, leaf.PublicKey.EncodedKeyValue.RawData);
    }

    [Fact]
    public async Task CancellationHonoured_BecomesCancelled_ThenMergeAllowed()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 20, honourCancellation: true);
        string name = Names.New("chon");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.With(issuer, "CN=chon.contoso.com"));

        RawResponse patched = await Vault.Raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true });
        Assert.True(patched.Status == HttpStatusCode.OK, $"cancel while inProgress: {patched}");
        Assert.Equal("inProgress", KvAssert.Str(patched.Json, "status"));

        JsonObject final = await Vault.WaitForFinalAsync(name);
        KvAssert.PendingShape(final, "cancelled");
        Assert.True(final["cancellation_requested"]!.GetValue<bool>());
        Assert.Equal(KvAssert.Str(created, "request_id"), KvAssert.Str(final, "request_id"));

        // No certificate was issued: the version stays disabled without cer.
        RawResponse bundle = await Vault.Raw.GetAsync($"/certificates/{name}");
        Assert.Null(bundle.Json["cer"]);

        // Merging a certificate obtained out of band is allowed once cancelled.
        using var ca = new TestCa();
        using X509Certificate2 leaf = ca.SignPending(created);
        RawResponse merged = await Vault.Raw.PostAsync($"/certificates/{name}/pending/merge", Chains.X5c(ca.Chain(leaf)));
        Assert.True(merged.Status == HttpStatusCode.Created, $"merge after cancelled: {merged}");
        Assert.Equal(leaf.RawData, Convert.FromBase64String(KvAssert.Str(merged.Json, "cer")));
        Assert.Equal("completed", KvAssert.Str((await Vault.GetPendingAsync(name)).Json, "status"));
    }

    [Fact]
    public async Task Self_StaysInProgressForItsDelay_AndACancelEndsItCancelled()
    {
        // As on Azure (10-25 s there): a GET right after the create sees inProgress, with Retry-After, and a cancel
        // during that time is honoured; the version never gets a certificate.
        await Vault.SetSimulationAsync("Self", delaySeconds: 20, outcome: "issue", honourCancellation: true);
        try
        {
            string name = Names.New("selfc");
            JsonObject created = await Vault.CreateRawAsync(name, Policies.Self("CN=selfc.contoso.com"));
            RawResponse pending = await Vault.Raw.GetAsync($"/certificates/{name}/pending");
            Assert.Equal("inProgress", KvAssert.Str(pending.Json, "status"));
            Assert.True(pending.Headers.Contains("Retry-After"), $"Retry-After on GET pending while inProgress: {pending}");

            RawResponse patched = await Vault.Raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true });
            Assert.True(patched.Status == HttpStatusCode.OK, $"cancel a Self request while inProgress: {patched}");
            Assert.Equal("inProgress", KvAssert.Str(patched.Json, "status"));

            JsonObject final = await Vault.WaitForFinalAsync(name);
            KvAssert.PendingShape(final, "cancelled");
            Assert.Equal(KvAssert.Str(created, "request_id"), KvAssert.Str(final, "request_id"));
            RawResponse bundle = await Vault.Raw.GetAsync($"/certificates/{name}");
            Assert.Null(bundle.Json["cer"]);
        }
        finally
        {
            await Vault.SetSimulationAsync("Self", delaySeconds: VaultHost.ShortDelay.TotalSeconds, outcome: "issue", honourCancellation: true);
        }
    }

    [Theory]
    [InlineData("Test")]
    [InlineData("test")]
    [InlineData("TEST")]
    public async Task TestProvider_InAnyCase_IsAcceptedAndIssuesLikeAnyIssuer(string provider)
    {
        // PUT through the SDK, then PATCH raw: the live service accepts "Test" in any case on both.
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 0.2, provider: provider);
        RawResponse patched = await Vault.Raw.PatchAsync($"/certificates/issuers/{issuer}", new JsonObject { ["provider"] = provider.ToLowerInvariant() });
        Assert.True(patched.Status == HttpStatusCode.OK, $"PATCH provider {provider}: {patched}");
        Assert.Equal("Test", KvAssert.Str(patched.Json, "provider"));

        string name = Names.New("tprov");
        await Vault.CreateRawAsync(name, Policies.With(issuer));
        JsonObject final = await Vault.WaitForFinalAsync(name);
        KvAssert.PendingShape(final, "completed");
        KeyVaultCertificateWithPolicy certificate = await Vault.Certificates.GetCertificateAsync(name);
        Assert.NotEmpty(certificate.Cer);
    }

    [Fact]
    public async Task CancellationNotHonoured_CompletesAnyway()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 3, honourCancellation: false);
        string name = Names.New("cnot");
        await Vault.CreateRawAsync(name, Policies.With(issuer));

        RawResponse patched = await Vault.Raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true });
        Assert.True(patched.Status == HttpStatusCode.OK, $"cancel while inProgress: {patched}");

        JsonObject final = await Vault.WaitForFinalAsync(name);
        KvAssert.PendingShape(final, "completed");
        Assert.True(final["cancellation_requested"]!.GetValue<bool>());
        KeyVaultCertificateWithPolicy certificate = await Vault.Certificates.GetCertificateAsync(name);
        Assert.NotEmpty(certificate.Cer);
        Assert.True(certificate.Properties.Enabled);
    }

    [Fact]
    public async Task Fail_ThenMergeOutOfBand_Completes()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 0.2, outcome: "fail");
        string name = Names.New("ffm");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.With(issuer));
        JsonObject failed = await Vault.WaitForFinalAsync(name);
        Assert.Equal("Certificate issuer error", KvAssert.Str(failed["error"], "code"));

        using var ca = new TestCa();
        using X509Certificate2 leaf = ca.SignPending(created);
        KeyVaultCertificateWithPolicy merged = await Vault.Certificates.MergeCertificateAsync(new MergeCertificateOptions(name, ca.Chain(leaf)));
        Assert.Equal(leaf.RawData, merged.Cer);
        JsonObject pending = (await Vault.GetPendingAsync(name)).Object;
        KvAssert.PendingShape(pending, "completed");
    }

    [Fact]
    public async Task SimulationCapturedAtCreate_LaterChangesDoNotAffectIt()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 0.5, outcome: "fail");
        string name = Names.New("cap");
        await Vault.CreateRawAsync(name, Policies.With(issuer));
        await Vault.SetSimulationAsync(issuer, 0.1, "issue", honourCancellation: true);

        Assert.Equal("failed", KvAssert.Str(await Vault.WaitForFinalAsync(name), "status"));

        // And the new setting applies to the next request.
        string next = Names.New("cap2");
        await Vault.CreateRawAsync(next, Policies.With(issuer));
        Assert.Equal("completed", KvAssert.Str(await Vault.WaitForFinalAsync(next), "status"));
    }

    [Fact]
    public async Task Simulation_ReadBackThroughManagementEndpoint()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 0.75, outcome: "reject", honourCancellation: false);
        RawResponse read = await Vault.Raw.SendAsync(HttpMethod.Get, $"/_localvault/simulations/{issuer}", null, addApiVersion: false, withToken: false);
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal(0.75, read.Json["delaySeconds"]!.GetValue<double>());
        Assert.Equal("reject", KvAssert.Str(read.Json, "outcome"));
        Assert.False(read.Json["honourCancellation"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Simulation_SetInProcess_IsWhatTheManagementEndpointAndTheCaUse()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 30);
        fixture.Server.SetIssuerSimulation(issuer, new IssuerSimulation(TimeSpan.FromMilliseconds(250), IssuerOutcome.Reject, HonourCancellation: false));

        RawResponse read = await Vault.Raw.SendAsync(HttpMethod.Get, $"/_localvault/simulations/{issuer}", null, addApiVersion: false, withToken: false);
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal(0.25, read.Json["delaySeconds"]!.GetValue<double>());
        Assert.Equal("reject", KvAssert.Str(read.Json, "outcome"));
        Assert.False(read.Json["honourCancellation"]!.GetValue<bool>());

        string name = Names.New("inproc");
        await Vault.CreateRawAsync(name, Policies.With(issuer));
        JsonObject final = await Vault.WaitForFinalAsync(name);
        Assert.Equal("Request rejected", KvAssert.Str(final["error"], "code"));
    }

    [Fact]
    public async Task NamedIssuerThatDoesNotExist_IsAnError_NothingCreated()
    {
        string name = Names.New("noiss");
        RawResponse response = await Vault.Raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = Policies.With(Names.New("ghost")) });
        KvAssert.ClientError(response);

        RequestFailedException sdk = await Assert.ThrowsAsync<RequestFailedException>(
            () => Vault.Certificates.StartCreateCertificateAsync(name, new CertificatePolicy(Names.New("ghost"), "CN=x")));
        Assert.InRange(sdk.Status, 400, 499);

        KvAssert.Error(await Vault.GetPendingAsync(name), HttpStatusCode.NotFound);
        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/{name}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task MergeWhileIssuerInProgress_Forbidden_NothingChanges()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 300);
        string name = Names.New("m403");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.With(issuer));
        IReadOnlyList<byte[]> chain = await Vault.SignWithLocalCaAsync(Convert.FromBase64String(KvAssert.Str(created, "csr")));

        RequestFailedException e = await Assert.ThrowsAsync<RequestFailedException>(
            () => Vault.Certificates.MergeCertificateAsync(new MergeCertificateOptions(name, chain)));
        Assert.Equal(403, e.Status);
        Assert.True(JsonNode.DeepEquals(created, (await Vault.GetPendingAsync(name)).Json));
        Assert.Null((await Vault.Raw.GetAsync($"/certificates/{name}")).Json["cer"]);
    }
}
