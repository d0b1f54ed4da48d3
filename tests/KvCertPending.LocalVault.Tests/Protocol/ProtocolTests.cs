using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Protocol;

/// <summary>Transport and protocol: TLS trust, the bearer challenge, api-version, tolerant paths.</summary>
[Collection(BadInputCollection.Name)]
public sealed class ProtocolTests(VaultFixture fixture)
{
    private VaultConnection Vault => fixture.Vault;

    [Fact]
    public async Task NoToken_401Challenge_BeforeAnythingElse_NoStateChange()
    {
        string name = Names.New("auth");
        var attempts = new List<RawResponse>
        {
            await Vault.Raw.SendAsync(HttpMethod.Post, $"/certificates/{name}/create", new JsonObject { ["policy"] = Policies.Self() }.ToJsonString(), withToken: false),
            await Vault.Raw.SendAsync(HttpMethod.Post, $"/certificates/{name}/create", null, withToken: false),
            await Vault.Raw.SendAsync(HttpMethod.Get, $"/certificates/bad_name!/pending", null, withToken: false),
            await Vault.Raw.SendAsync(HttpMethod.Get, $"/certificates/{name}", null, addApiVersion: false, withToken: false),
            await Vault.Raw.SendAsync(HttpMethod.Post, $"/certificates/{name}/create", "{not json", withToken: false),
            await Vault.Raw.SendAsync(HttpMethod.Get, $"/certificates/{name}", null, r => r.Headers.TryAddWithoutValidation("Authorization", "Basic dXNlcjpwYXNz"), withToken: false),
        };

        foreach (RawResponse response in attempts)
        {
            KvAssert.Error(response, HttpStatusCode.Unauthorized, "Unauthorized");
            string? challenge = response.Header("WWW-Authenticate");
            Assert.NotNull(challenge);
            Assert.Matches("^Bearer authorization=\"https://login\\.windows\\.net/[^\"/]+\", resource=\"https://vault\\.azure\\.net\"$", challenge);
            KvAssert.RequestId(response);
        }

        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/{name}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Sdk_FollowsChallenge_AsksForVaultScope()
    {
        string name = Names.New("scope");
        await Vault.Certificates.StartCreateCertificateAsync(name, new CertificatePolicy("Unknown", "CN=scope"));
        Assert.Contains("https://vault.azure.net/.default", Vault.Credential.RequestedScopes);
    }

    [Fact]
    public async Task Tls_CertificateForLocalhost_KeptInDataFolder_NotTrustedByDefault()
    {
        X509Certificate2 tls = fixture.Server.TlsCertificate;
        Assert.Equal("https", fixture.Server.VaultUri.Scheme);
        Assert.Equal("localhost", fixture.Server.VaultUri.Host);
        Assert.Equal(fixture.Server.Port, fixture.Server.VaultUri.Port);

        var san = tls.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("localhost", san.EnumerateDnsNames());
        Assert.Contains(IPAddress.Loopback, san.EnumerateIPAddresses());
        Assert.Contains(IPAddress.IPv6Loopback, san.EnumerateIPAddresses());

        Assert.StartsWith(fixture.DataDirectory, Path.GetFullPath(fixture.Server.TlsCertificatePemPath), StringComparison.Ordinal);
        string pem = await File.ReadAllTextAsync(fixture.Server.TlsCertificatePemPath);
        Assert.DoesNotContain("PRIVATE KEY", pem, StringComparison.Ordinal);
        using X509Certificate2 fromFile = X509Certificate2.CreateFromPem(pem);
        Assert.Equal(tls.RawData, fromFile.RawData);

        // A client that does not trust exactly this certificate is refused: nothing is switched off.
        using var untrusting = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync(new Uri(fixture.Server.VaultUri, "certificates?api-version=7.6")));

    }

    [Theory]
    [InlineData("2016-10-01")]
    [InlineData("7.0")]
    [InlineData("7.1")]
    [InlineData("7.2")]
    [InlineData("7.3")]
    [InlineData("7.4")]
    [InlineData("7.5")]
    [InlineData("7.6")]
    [InlineData("2025-07-01")]
    public async Task ApiVersion_Known_Accepted(string version)
    {
        RawResponse response = await Vault.Raw.GetAsync($"/certificates?api-version={version}&maxresults=1");
        Assert.True(response.Status == HttpStatusCode.OK, response.ToString());
    }

    [Fact]
    public async Task ApiVersion_SentByThisSdk_Accepted()
    {
        // The SDK's latest service version, whatever it is, works end to end (create, get pending).
        string name = Names.New("sdkver");
        CertificateOperation operation = await Vault.Certificates.StartCreateCertificateAsync(name, new CertificatePolicy("Unknown", "CN=sdkver"));
        RecordedExchange created = Vault.Recorder.Last("POST", $"/certificates/{name}/create");
        Assert.Equal(202, created.Status);
        Assert.Contains("api-version=", created.Query, StringComparison.Ordinal);
        await operation.UpdateStatusAsync();
        Assert.Equal(200, Vault.Recorder.Last("GET", $"/certificates/{name}/pending").Status);
        Assert.Equal("inProgress", operation.Properties.Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1.0")]
    [InlineData("7.7")]
    [InlineData("2016-10-01x")]
    [InlineData("latest")]
    public async Task ApiVersion_MissingOrUnknown_BadParameter(string? version)
    {
        string name = Names.New("apiv");
        string path = version is null ? $"/certificates/{name}/create" : $"/certificates/{name}/create?api-version={version}";
        RawResponse response = await Vault.Raw.SendAsync(HttpMethod.Post, path, new JsonObject { ["policy"] = Policies.Self() }.ToJsonString(), addApiVersion: false);
        KvAssert.Error(response, HttpStatusCode.BadRequest, "BadParameter");
        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/{name}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DateHeader_IsTheVaultsClockWhenItAnswers()
    {
        // Clients date the vault's own records by this header (the module tells its own lost create from an older
        // request by it), so it must not lag: Kestrel's default is refreshed by a one-second timer and can lag by
        // up to two seconds. Requests spread over more than a second meet every phase of such a timer.
        var stopAt = DateTimeOffset.UtcNow.AddSeconds(1.5);
        while (DateTimeOffset.UtcNow < stopAt)
        {
            var before = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            RawResponse response = await Vault.Raw.GetAsync("/certificates?maxresults=1");
            var after = DateTimeOffset.UtcNow;
            var date = DateTimeOffset.Parse(response.Header("Date")!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(date >= before && date <= after, $"Date {date:O} outside [{before:O}, {after:O}]");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task DoubleSlashAndTrailingSlash_Tolerated()
    {
        string name = Names.New("slash");
        RawResponse created = await Vault.Raw.PostAsync($"//certificates/{name}/create", new JsonObject { ["policy"] = Policies.Manual() });
        Assert.True(created.Status == HttpStatusCode.Accepted, created.ToString());

        foreach (string path in new[] { $"/certificates/{name}/pending/", $"//certificates/{name}/pending", $"/certificates//{name}/pending" })
        {
            RawResponse pending = await Vault.Raw.GetAsync(path);
            Assert.True(pending.Status == HttpStatusCode.OK, $"{path}: {pending}");
            Assert.Equal(KvAssert.Str(created.Json, "request_id"), KvAssert.Str(pending.Json, "request_id"));
        }

        RawResponse bundle = await Vault.Raw.GetAsync($"/certificates/{name}/");
        Assert.True(bundle.Status == HttpStatusCode.OK, bundle.ToString());
        string version = KvAssert.Str(bundle.Json, "id").Split('/')[^1];
        RawResponse byVersion = await Vault.Raw.GetAsync($"//certificates/{name}/{version}/");
        Assert.True(byVersion.Status == HttpStatusCode.OK, byVersion.ToString());
        Assert.Equal(KvAssert.Str(bundle.Json, "id"), KvAssert.Str(byVersion.Json, "id"));

        RawResponse list = await Vault.Raw.GetAsync("/certificates/?includePending=true");
        Assert.True(list.Status == HttpStatusCode.OK, list.ToString());
    }

    [Fact]
    public async Task ManagementEndpoint_NeedsNoToken_AndIsNotUnderKeyVaultPaths()
    {
        RawResponse root = await Vault.Raw.SendAsync(HttpMethod.Get, "/_localvault/ca/certificate", null, addApiVersion: false, withToken: false);
        Assert.Equal(HttpStatusCode.OK, root.Status);
        using X509Certificate2 ca = X509Certificate2.CreateFromPem(root.Body);
        Assert.Equal(ca.Subject, ca.Issuer);

        RawResponse badOutcome = await Vault.Raw.SendAsync(
            HttpMethod.Put,
            $"/_localvault/simulations/{Names.New("sim")}",
            new JsonObject { ["delaySeconds"] = 1, ["outcome"] = "explode", ["honourCancellation"] = true }.ToJsonString(),
            addApiVersion: false,
            withToken: false);
        KvAssert.ClientError(badOutcome);

        RawResponse badCsr = await Vault.Raw.SendAsync(HttpMethod.Post, "/_localvault/ca/sign", "{\"csr\":\"bm90IGEgY3Ny\"}", addApiVersion: false, withToken: false);
        KvAssert.ClientError(badCsr);
    }

    [Fact]
    public async Task UnknownRoute_KeyVaultShaped404()
    {
        KvAssert.ClientError(await Vault.Raw.GetAsync("/nothing/here"));
        KvAssert.ClientError(await Vault.Raw.GetAsync($"/certificates/{Names.New("x")}/pending/merge/extra"));
    }
}
