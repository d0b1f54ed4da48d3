using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Lifecycle;

/// <summary>The certificate bundle while and after a request, as the live service writes it (issue 15).</summary>
[Collection(LifecycleCollection.Name)]
public sealed class BundleTests(VaultFixture fixture)
{
    private static readonly string[] IssuedOnly = ["cer", "kid", "sid", "x5t"];

    private VaultConnection Vault => fixture.Vault;

    [Theory]
    [InlineData("inProgress")]
    [InlineData("cancelled")]
    [InlineData("failed")]
    [InlineData("completed")]
    public async Task PendingLink_StaysForAsLongAsThePendingObjectExists_AndGoesWithIt(string state)
    {
        string name = Names.New("link");
        await RequestInStateAsync(name, state);
        bool issued = state == "completed";

        JsonObject bundle = await GetLatestAsync(name);
        Assert.Equal($"{Vault.Raw.BaseUrl}/certificates/{name}/pending", KvAssert.Str(bundle["pending"], "id"));
        AssertIssued(bundle, issued);
        Assert.NotNull(bundle["policy"]);
        KeyVaultCertificateWithPolicy sdk = await Vault.Certificates.GetCertificateAsync(name);
        Assert.Equal(issued, sdk.Properties.Enabled);
        Assert.Equal(issued, sdk.Cer is { Length: > 0 });

        RawResponse deleted = await Vault.Raw.DeleteAsync($"/certificates/{name}/pending");
        Assert.True(deleted.Status == HttpStatusCode.OK, $"DELETE pending: {deleted}");
        JsonObject after = await GetLatestAsync(name);
        Assert.False(after.ContainsKey("pending"), $"the pending link outlived the pending object: {after.ToJsonString()}");
        AssertIssued(after, issued);
        Assert.Equal(KvAssert.Str(bundle, "id"), KvAssert.Str(after, "id"));
    }

    [Theory]
    [InlineData("inProgress", "7.6")]
    [InlineData("inProgress", "7.2")]
    [InlineData("cancelled", "7.6")]
    [InlineData("failed", "7.0")]
    [InlineData("pendingDeleted", "2025-07-01")]
    public async Task VersionGet_OfAVersionNeverIssued_IsOnlyIdAndAttributes(string state, string apiVersion)
    {
        string name = Names.New("vnone");
        await RequestInStateAsync(name, state);
        string id = KvAssert.Str(await GetLatestAsync(name), "id");
        string version = VersionOf(id);

        JsonObject bundle = await GetVersionAsync(name, version, apiVersion);
        Assert.Equal(["attributes", "id"], bundle.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(id, KvAssert.Str(bundle, "id"));
        Assert.False(bundle["attributes"]!["enabled"]!.GetValue<bool>());

        // The SDK reads it as a certificate without content.
        KeyVaultCertificate sdk = await Vault.Certificates.GetCertificateVersionAsync(name, version);
        Assert.Equal(version, sdk.Properties.Version);
        Assert.False(sdk.Properties.Enabled);
        Assert.True(sdk.Cer is null or { Length: 0 });
    }

    [Fact]
    public async Task Tags_GivenAtCreate_AppearInTheBundle_WhilePendingAndOnceIssued()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 0.5);
        string name = Names.New("tags");
        var tags = new JsonObject { ["env"] = "test", ["owner"] = "pki-team" };
        RawResponse created = await Vault.Raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = Policies.With(issuer), ["tags"] = tags.DeepClone() });
        Assert.True(created.Status == HttpStatusCode.Accepted, $"create with tags: {created}");

        Assert.True(JsonNode.DeepEquals(tags, (await GetLatestAsync(name))["tags"]), "tags while pending");
        Assert.Equal("completed", KvAssert.Str(await Vault.WaitForFinalAsync(name), "status"));
        JsonObject issued = await GetLatestAsync(name);
        Assert.True(JsonNode.DeepEquals(tags, issued["tags"]), $"tags once issued: {issued.ToJsonString()}");

        // Through the SDK too: tags given to StartCreateCertificate are on the certificate.
        string viaSdk = Names.New("tagsdk");
        await Vault.Certificates.StartCreateCertificateAsync(viaSdk, new CertificatePolicy("Unknown", "CN=tags.contoso.com"), enabled: null, tags: new Dictionary<string, string> { ["env"] = "sdk" }, cancellationToken: CancellationToken.None);
        KeyVaultCertificateWithPolicy certificate = await Vault.Certificates.GetCertificateAsync(viaSdk);
        Assert.Equal("sdk", Assert.Single(certificate.Properties.Tags, t => t.Key == "env").Value);
    }

    [Theory]
    [InlineData("7.0", CertificateClientOptions.ServiceVersion.V7_0)]
    [InlineData("7.1", CertificateClientOptions.ServiceVersion.V7_1)]
    [InlineData("7.2", CertificateClientOptions.ServiceVersion.V7_2)]
    public async Task VersionGet_AtApiVersion72AndEarlier_CarriesSubjectIssuerAndSerialNumber_NoPolicyNorPending(string apiVersion, CertificateClientOptions.ServiceVersion serviceVersion)
    {
        (string name, string version, JsonObject latest) = await CompletedAsync(apiVersion);
        Assert.NotNull(latest["policy"]);
        Assert.NotNull(latest["pending"]);

        JsonObject bundle = await GetVersionAsync(name, version, apiVersion);
        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(KvAssert.Str(bundle, "cer")));
        Assert.Equal(leaf.Subject, KvAssert.Str(bundle, "subject"));
        Assert.Equal(leaf.Issuer, KvAssert.Str(bundle, "issuer"));
        Assert.NotEqual(leaf.Subject, leaf.Issuer);
        Assert.Equal(leaf.SerialNumber, KvAssert.Str(bundle, "serialnumber"));
        Assert.Matches("^[0-9A-F]+$", KvAssert.Str(bundle, "serialnumber"));
        Assert.False(bundle.ContainsKey("policy"), $"policy at {apiVersion}: {bundle.ToJsonString()}");
        Assert.False(bundle.ContainsKey("pending"), $"pending at {apiVersion}: {bundle.ToJsonString()}");
        AssertIssued(bundle, issued: true);

        // The SDK at that service version reads it.
        using HttpClientHandler handler = TrustedCertificateHandler.Create(fixture.Server.TlsCertificate);
        var client = new CertificateClient(fixture.Server.VaultUri, Vault.Credential, new CertificateClientOptions(serviceVersion)
        {
            DisableChallengeResourceVerification = true,
            Transport = new Azure.Core.Pipeline.HttpClientTransport(handler),
            Retry = { MaxRetries = 0 },
        });
        KeyVaultCertificate sdk = await client.GetCertificateVersionAsync(name, version);
        Assert.Equal(leaf.RawData, sdk.Cer);
        Assert.True(sdk.Properties.Enabled);
    }

    [Theory]
    [InlineData("7.3")]
    [InlineData("7.4")]
    [InlineData("7.6")]
    [InlineData("2025-07-01")]
    public async Task VersionGet_AtApiVersion73AndLater_KeepsThePolicy_NoSubjectNorPending(string apiVersion)
    {
        (string name, string version, JsonObject latest) = await CompletedAsync(apiVersion);
        Assert.NotNull(latest["pending"]);

        JsonObject bundle = await GetVersionAsync(name, version, apiVersion);
        Assert.Equal($"{Vault.Raw.BaseUrl}/certificates/{name}/policy", KvAssert.Str(bundle["policy"], "id"));
        foreach (string absent in new[] { "subject", "issuer", "serialnumber", "pending" })
        {
            Assert.False(bundle.ContainsKey(absent), $"'{absent}' at {apiVersion}: {bundle.ToJsonString()}");
        }

        AssertIssued(bundle, issued: true);
    }

    /// <summary>Asserts the fields only an issued version has, and the enabled attribute that goes with them.</summary>
    private static void AssertIssued(JsonObject bundle, bool issued)
    {
        foreach (string field in IssuedOnly)
        {
            Assert.True(bundle.ContainsKey(field) == issued, $"'{field}' {(issued ? "missing from" : "in")} the bundle: {bundle.ToJsonString()}");
        }

        Assert.Equal(issued, bundle["attributes"]!["enabled"]!.GetValue<bool>());
    }

    /// <summary>A certificate issued by a simulated CA; its pending object (completed) is kept. Returns the latest GET at the api-version.</summary>
    private async Task<(string Name, string Version, JsonObject Latest)> CompletedAsync(string apiVersion)
    {
        string name = Names.New("vget");
        await RequestInStateAsync(name, "completed");
        RawResponse latest = await Vault.Raw.GetAsync($"/certificates/{name}?api-version={apiVersion}");
        Assert.True(latest.Status == HttpStatusCode.OK, $"GET the certificate at {apiVersion}: {latest}");
        return (name, VersionOf(KvAssert.Str(latest.Json, "id")), latest.Object);
    }

    private async Task<JsonObject> GetVersionAsync(string name, string version, string apiVersion)
    {
        RawResponse response = await Vault.Raw.GetAsync($"/certificates/{name}/{version}?api-version={apiVersion}");
        Assert.True(response.Status == HttpStatusCode.OK, $"GET version {version} at {apiVersion}: {response}");
        return response.Object;
    }

    private static string VersionOf(string id) => id[(id.LastIndexOf('/') + 1)..];

    private async Task<JsonObject> GetLatestAsync(string name)
    {
        RawResponse response = await Vault.Raw.GetAsync($"/certificates/{name}");
        Assert.True(response.Status == HttpStatusCode.OK, $"GET certificate {name}: {response}");
        return response.Object;
    }

    /// <summary>
    /// Creates a request through a simulated issuer and brings it to <paramref name="state"/>: inProgress, cancelled,
    /// failed, completed, or pendingDeleted (in progress, then its pending object deleted).
    /// </summary>
    private async Task RequestInStateAsync(string name, string state)
    {
        string issuer = state switch
        {
            "inProgress" or "pendingDeleted" => await Vault.CreateIssuerAsync(delaySeconds: 300),
            "cancelled" => await Vault.CreateIssuerAsync(delaySeconds: 20, honourCancellation: true),
            "failed" => await Vault.CreateIssuerAsync(delaySeconds: 0.2, outcome: "fail"),
            "completed" => await Vault.CreateIssuerAsync(delaySeconds: 0.2),
            _ => throw new ArgumentOutOfRangeException(nameof(state)),
        };
        await Vault.CreateRawAsync(name, Policies.With(issuer, $"CN={name}.contoso.com"));
        if (state == "cancelled")
        {
            RawResponse patched = await Vault.Raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true });
            Assert.True(patched.Status == HttpStatusCode.OK, $"cancel: {patched}");
        }

        if (state == "pendingDeleted")
        {
            Assert.Equal(HttpStatusCode.OK, (await Vault.Raw.DeleteAsync($"/certificates/{name}/pending")).Status);
        }
        else if (state != "inProgress")
        {
            Assert.Equal(state, KvAssert.Str(await Vault.WaitForFinalAsync(name), "status"));
        }
    }
}
