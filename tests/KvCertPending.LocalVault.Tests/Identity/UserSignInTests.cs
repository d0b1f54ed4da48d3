using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault.Tests.Core;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Identity;

/// <summary>
/// User sign-in (admins): the unmodified DeviceCodeCredential against the vault's device-code endpoints, the test playing
/// the user through the management approval; and the authorization-code grant with PKCE as MSAL's system-browser flow uses it.
/// </summary>
public sealed partial class UserSignInTests : IClassFixture<IssuedTokensVaultFixture>
{
    private readonly CoreVault _vault;

    public UserSignInTests(IssuedTokensVaultFixture fixture) => _vault = fixture.Vault;

    [Fact]
    public async Task DeviceCodeCredentialSignsInOnceTheUserApprovesTheCode()
    {
        var prompts = new List<string>();
        var credential = new DeviceCodeCredential(new DeviceCodeCredentialOptions
        {
            AuthorityHost = _vault.Server.VaultUri,
            TenantId = _vault.Server.TenantId,
            DisableInstanceDiscovery = true,
            Transport = new HttpClientTransport(CoreVault.CreateHandler(_vault.Server)),
            DeviceCodeCallback = async (info, cancellationToken) =>
            {
                prompts.Add(info.Message);
                Assert.StartsWith("To sign in, use a web browser to open the page https://", info.Message, StringComparison.Ordinal);
                Assert.Contains(info.UserCode, info.Message, StringComparison.Ordinal);

                // Not yet approved: the client keeps polling (authorization_pending). Approve after a first poll has been refused.
                await Task.Delay(300, cancellationToken);
                var approved = await ApproveAsync(info.UserCode, "device-admin@localvault.test");
                Assert.Equal("approved", approved.GetProperty("status").GetString());
            },
        });

        var client = _vault.CreateClient(credential);
        var operation = await client.StartCreateCertificateAsync("signin-device", new CertificatePolicy(WellKnownIssuerNames.Self, "CN=device") { KeyType = CertificateKeyType.Ec });
        await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        Assert.Single(prompts);

        // The token is a user's token for Key Vault; asked again as the Key Vault client asks (CAE, the challenge's tenant), it
        // comes from the cache: no new prompt.
        var token = await credential.GetTokenAsync(new TokenRequestContext(["https://vault.azure.net/.default"], tenantId: _vault.Server.TenantId, isCaeEnabled: true), CancellationToken.None);
        Assert.Equal("user", Claims(token.Token).GetProperty("idtyp").GetString());
        Assert.Equal("device-admin@localvault.test", Claims(token.Token).GetProperty("upn").GetString());
        Assert.Single(prompts);

        // A used code cannot be approved again.
        var again = await _vault.Http.PostAsJsonAsync("_localvault/devicelogin", new { userCode = UserCode().Match(prompts[0]).Value });
        Assert.Equal(System.Net.HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task ADeclinedDeviceCodeFailsTheSignIn()
    {
        var credential = new DeviceCodeCredential(new DeviceCodeCredentialOptions
        {
            AuthorityHost = _vault.Server.VaultUri,
            TenantId = _vault.Server.TenantId,
            DisableInstanceDiscovery = true,
            Transport = new HttpClientTransport(CoreVault.CreateHandler(_vault.Server)),
            DeviceCodeCallback = async (info, _) => Assert.Equal("declined", (await DecideAsync(new { userCode = info.UserCode.ToLowerInvariant(), decline = true })).GetProperty("status").GetString()),
        });

        var failed = await Assert.ThrowsAsync<AuthenticationFailedException>(() => credential.GetTokenAsync(new TokenRequestContext(["https://vault.azure.net/.default"]), CancellationToken.None).AsTask());
        Assert.Contains("authorization_declined", failed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthorizationCodeNeedsTheMatchingPkceVerifierAndIsSingleUse()
    {
        var verifier = "verifier-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        const string redirect = "http://localhost:5599/";

        // A redirect URI that is not loopback http is never redirected to.
        using (var foreign = await _vault.Http.GetAsync($"{_vault.Server.TenantId}/oauth2/v2.0/authorize?client_id=c&response_type=code&redirect_uri={Uri.EscapeDataString("https://evil.example/")}&scope=https://vault.azure.net/.default"))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, foreign.StatusCode);
            Assert.Null(foreign.Headers.Location);
        }

        var code = await AuthorizeAsync(redirect, challenge, "state-1");

        // Wrong verifier: refused, and the code is used up.
        using (var wrong = await TokenAsync(code, redirect, "not-the-verifier"))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, wrong.StatusCode);
            Assert.Contains("AADSTS501481", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var replay = await TokenAsync(code, redirect, verifier))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, replay.StatusCode);
        }

        var fresh = await AuthorizeAsync(redirect, challenge, "state-2");
        using var ok = await TokenAsync(fresh, redirect, verifier);
        Assert.Equal(System.Net.HttpStatusCode.OK, ok.StatusCode);
        using var body = JsonDocument.Parse(await ok.Content.ReadAsStringAsync());
        var accessToken = body.RootElement.GetProperty("access_token").GetString()!;
        Assert.Equal("hinted@localvault.test", Claims(accessToken).GetProperty("upn").GetString());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("refresh_token").GetString()));

        // The token opens the vault (which requires tokens it issued).
        using var request = new HttpRequestMessage(HttpMethod.Get, "certificates?api-version=7.6") { Headers = { { "Authorization", "Bearer " + accessToken } } };
        using var listed = await _vault.Http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.OK, listed.StatusCode);
    }

    private async Task<string> AuthorizeAsync(string redirect, string challenge, string state)
    {
        var query = $"client_id=public-app&response_type=code&redirect_uri={Uri.EscapeDataString(redirect)}&scope={Uri.EscapeDataString("openid offline_access https://vault.azure.net/.default")}"
            + $"&state={state}&code_challenge={challenge}&code_challenge_method=S256&login_hint=hinted@localvault.test";
        using var response = await _vault.Http.GetAsync($"{_vault.Server.TenantId}/oauth2/v2.0/authorize?{query}");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(redirect, location.AbsoluteUri, StringComparison.Ordinal);
        var parameters = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        Assert.Equal(state, parameters["state"].ToString());
        return parameters["code"].ToString();
    }

    private Task<HttpResponseMessage> TokenAsync(string code, string redirect, string verifier) =>
        _vault.Http.PostAsync($"{_vault.Server.TenantId}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = "public-app",
            ["code"] = code,
            ["redirect_uri"] = redirect,
            ["code_verifier"] = verifier,
            ["scope"] = "https://vault.azure.net/.default",
        }));

    private Task<JsonElement> ApproveAsync(string userCode, string user) => DecideAsync(new { userCode, user });

    private async Task<JsonElement> DecideAsync(object body)
    {
        using var response = await _vault.Http.PostAsJsonAsync("_localvault/devicelogin", body);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static JsonElement Claims(string jwt)
    {
        var part = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        part += new string('=', (4 - (part.Length % 4)) % 4);
        return JsonDocument.Parse(Convert.FromBase64String(part)).RootElement.Clone();
    }

    [GeneratedRegex("[A-Z0-9]{4}-[A-Z0-9]{4}")]
    private static partial Regex UserCode();
}
