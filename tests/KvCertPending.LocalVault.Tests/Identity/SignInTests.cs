using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault.Identity;
using KvCertPending.LocalVault.Tests.Core;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Identity;

/// <summary>One vault that requires tokens it issued, shared by the sign-in tests.</summary>
public sealed class IssuedTokensVaultFixture : IAsyncLifetime
{
    public CoreVault Vault { get; private set; } = null!;

    public async Task InitializeAsync() => Vault = await CoreVault.StartAsync(configure: o => o.RequireIssuedTokens = true);

    public async Task DisposeAsync() => await Vault.DisposeAsync();
}

/// <summary>The unmodified Azure.Identity credentials get tokens from the vault's own endpoints and use them.</summary>
public sealed class SignInTests : IClassFixture<IssuedTokensVaultFixture>
{
    private readonly CoreVault _vault;

    public SignInTests(IssuedTokensVaultFixture fixture) => _vault = fixture.Vault;

    [Fact]
    public async Task ClientSecretCredentialSignsIn()
    {
        var credential = new ClientSecretCredential(_vault.Server.TenantId, "app-secret", "not-checked", Options(new ClientSecretCredentialOptions()));

        await AssertLifecycleWorksAsync(credential, "signin-secret");
    }

    [Fact]
    public async Task ClientCertificateCredentialSignsIn()
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=app-certificate", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var credential = new ClientCertificateCredential(_vault.Server.TenantId, "app-certificate", certificate, Options(new ClientCertificateCredentialOptions()));

        await AssertLifecycleWorksAsync(credential, "signin-certificate");
    }

    [Fact]
    public async Task ManagedIdentityCredentialSignsInThroughIdentityEndpointAndImds()
    {
        try
        {
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", _vault.Server.ManagedIdentityEndpoint.ToString());
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", _vault.Server.ManagedIdentityHeader);
            var appService = new ManagedIdentityCredential(Options(new ManagedIdentityCredentialOptions(ManagedIdentityId.SystemAssigned)));
            await AssertLifecycleWorksAsync(appService, "signin-appservice");
        }
        finally
        {
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", null);
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", null);
        }

        try
        {
            Environment.SetEnvironmentVariable("AZURE_POD_IDENTITY_AUTHORITY_HOST", _vault.Server.VaultUri.ToString());
            var imds = new ManagedIdentityCredential(Options(new ManagedIdentityCredentialOptions(ManagedIdentityId.FromUserAssignedClientId("5a3e0f7c-2b1d-4c9e-8f6a-7d2c1b0e9a84"))));
            await AssertLifecycleWorksAsync(imds, "signin-imds");
        }
        finally
        {
            Environment.SetEnvironmentVariable("AZURE_POD_IDENTITY_AUTHORITY_HOST", null);
        }
    }

    [Fact]
    public async Task ForgedAndExpiredTokensGetTheChallenge()
    {
        var forged = _vault.CreateClient(new CoreVault.FakeCredential());
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => forged.GetPropertiesOfCertificatesAsync().ToListAsync().AsTask());
        Assert.Equal(401, refused.Status);
        Assert.DoesNotContain("local-vault-accepts-any-token", refused.Message, StringComparison.Ordinal);

        using var key = RSA.Create();
        key.ImportFromPem(await File.ReadAllTextAsync(Path.Combine(_vault.DataDirectory, TokenIssuer.KeyFileName)));
        var past = DateTimeOffset.UtcNow.AddHours(-2);
        var expired = Jwt.Sign(
            new JsonObject { ["aud"] = TokenIssuer.KeyVaultResource, ["tid"] = _vault.Server.TenantId, ["nbf"] = past.ToUnixTimeSeconds(), ["exp"] = past.AddHours(1).ToUnixTimeSeconds() },
            key,
            "test");
        using var response = await _vault.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "certificates?api-version=7.6") { Headers = { { "Authorization", "Bearer " + expired } } });
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(_vault.Server.TenantId, response.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "{tenant}/oauth2/v2.0/token", "multipart/form-data", "garbage", 400)]
    [InlineData("POST", "{tenant}/oauth2/v2.0/token", "application/x-www-form-urlencoded", "grant_type=password&client_id=a", 400)]
    [InlineData("POST", "{tenant}/oauth2/v2.0/token", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=a&client_secret=b&scope=openid", 400)]
    [InlineData("POST", "another-tenant/oauth2/v2.0/token", "application/x-www-form-urlencoded", "grant_type=client_credentials", 400)]
    [InlineData("GET", "metadata/identity/oauth2/token?resource=https://vault.azure.net&api-version=2018-02-01", null, null, 400)]
    [InlineData("GET", "_localvault/identity/token?resource=https://vault.azure.net&api-version=2019-08-01", null, null, 401)]
    public async Task BadSignInRequestsGetOAuthErrorsAndNoToken(string method, string path, string? contentType, string? body, int status)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{tenant}", _vault.Server.TenantId, StringComparison.Ordinal));
        if (body is not null)
        {
            request.Content = new StringContent(body);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType!);
        }

        using var response = await _vault.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains("\"error\":", text, StringComparison.Ordinal);
        Assert.DoesNotContain("access_token", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// The az CLI's way in (MSAL for Python validates unknown Entra authorities at login.microsoftonline.com, so az
    /// reaches the vault as an AD FS authority, as it does Azure Stack Hub): the cloud's metadata names the vault's
    /// <c>/adfs</c> authority, whose discovery document names
    /// the vault's token endpoint, and <c>az login</c>'s two Resource Manager listings answer with an issued token only.
    /// </summary>
    [Fact]
    public async Task AdfsAuthorityAndResourceManagerListingsServeASignIn()
    {
        using var metadata = await _vault.Http.GetAsync("metadata/endpoints?api-version=2015-01-01"); // what az cloud register reads, with no token
        var authentication = JsonNode.Parse(await metadata.Content.ReadAsStringAsync())!["authentication"]!;
        var loginEndpoint = authentication["loginEndpoint"]!.GetValue<string>();
        Assert.Equal(new Uri(_vault.Server.VaultUri, "adfs").ToString(), loginEndpoint);
        Assert.Equal("https://management.core.windows.net/", authentication["audiences"]![0]!.GetValue<string>());

        using var discovery = await _vault.Http.GetAsync(loginEndpoint + "/.well-known/openid-configuration");
        var document = JsonNode.Parse(await discovery.Content.ReadAsStringAsync())!;
        var tokenEndpoint = new Uri(document["token_endpoint"]!.GetValue<string>());
        Assert.Equal(System.Net.HttpStatusCode.OK, discovery.StatusCode);
        Assert.Equal($"/{_vault.Server.TenantId}/oauth2/v2.0/token", tokenEndpoint.AbsolutePath);

        using var tokenResponse = await _vault.Http.PostAsync(tokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "az-cli-app",
            ["client_secret"] = "not-checked",
            ["scope"] = "https://management.core.windows.net//.default",
        }));
        var armToken = JsonNode.Parse(await tokenResponse.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();

        foreach (var (path, expected) in new[] { ("subscriptions?api-version=2022-12-01", 0), ("tenants?api-version=2022-12-01", 1) })
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await SendAsync(path, null)).Status);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await SendAsync(path, "forged")).Status);
            var (status, body) = await SendAsync(path, armToken);
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            Assert.Equal(expected, body["value"]!.AsArray().Count);
        }

        Assert.Equal(_vault.Server.TenantId, (await SendAsync("tenants", armToken)).Body["value"]![0]!["tenantId"]!.GetValue<string>());

        // A Resource Manager token is not a Key Vault token.
        using var keyVault = await _vault.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "certificates?api-version=7.6") { Headers = { { "Authorization", "Bearer " + armToken } } });
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, keyVault.StatusCode);
    }

    /// <summary>Cloud Shell's MSI endpoint protocol (az login --identity with MSI_ENDPOINT): POST, form resource, Metadata: true.</summary>
    [Fact]
    public async Task MsiEndpointPostIssuesAManagedIdentityToken()
    {
        FormUrlEncodedContent Form() => new(new Dictionary<string, string> { ["resource"] = TokenIssuer.KeyVaultResource });
        using var refused = await _vault.Http.PostAsync("metadata/identity/oauth2/token", Form());
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Post, "metadata/identity/oauth2/token") { Content = Form(), Headers = { { "Metadata", "true" } } };
        using var response = await _vault.Http.SendAsync(request);
        var token = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
        using var keyVault = await _vault.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "certificates?api-version=7.6") { Headers = { { "Authorization", "Bearer " + token } } });
        Assert.Equal(System.Net.HttpStatusCode.OK, keyVault.StatusCode);
    }

    private async Task<(System.Net.HttpStatusCode Status, JsonNode Body)> SendAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Add("Authorization", "Bearer " + token);
        }

        using var response = await _vault.Http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private T Options<T>(T options)
        where T : TokenCredentialOptions
    {
        options.AuthorityHost = _vault.Server.VaultUri;
        options.Transport = new HttpClientTransport(CoreVault.CreateHandler(_vault.Server));
        options.Retry.MaxRetries = 1;
        switch (options)
        {
            case ClientSecretCredentialOptions secret:
                secret.DisableInstanceDiscovery = true;
                break;
            case ClientCertificateCredentialOptions certificate:
                certificate.DisableInstanceDiscovery = true;
                break;
        }

        return options;
    }

    private async Task AssertLifecycleWorksAsync(TokenCredential credential, string name)
    {
        var client = _vault.CreateClient(credential);
        var operation = await client.StartCreateCertificateAsync(name, new CertificatePolicy(WellKnownIssuerNames.Self, "CN=" + name) { KeyType = CertificateKeyType.Ec });
        var certificate = (await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None)).Value;
        Assert.True(certificate.Properties.Enabled);
    }
}
