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

    [Fact]
    public async Task AutoApprovalSignsInEveryNewDeviceCodeAsOneUserUntilTurnedOff()
    {
        using (var on = await _vault.Http.PutAsJsonAsync("_localvault/devicelogin/auto-approve", new { user = "auto@localvault.test" }))
        {
            Assert.Equal("auto@localvault.test", (await on.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetString());
        }

        try
        {
            var prompts = 0;
            var credential = new DeviceCodeCredential(new DeviceCodeCredentialOptions
            {
                AuthorityHost = _vault.Server.VaultUri,
                TenantId = _vault.Server.TenantId,
                DisableInstanceDiscovery = true,
                Transport = new HttpClientTransport(CoreVault.CreateHandler(_vault.Server)),
                DeviceCodeCallback = (_, _) =>
                {
                    prompts++;
                    return Task.CompletedTask;
                },
            });
            var token = await credential.GetTokenAsync(new TokenRequestContext(["https://vault.azure.net/.default"]), CancellationToken.None);
            Assert.Equal("auto@localvault.test", Claims(token.Token).GetProperty("upn").GetString());
            Assert.Equal(1, prompts);
        }
        finally
        {
            using var off = await _vault.Http.PutAsJsonAsync("_localvault/devicelogin/auto-approve", new { user = (string?)null });
            off.EnsureSuccessStatusCode();
        }

        using var read = await _vault.Http.GetAsync("_localvault/devicelogin/auto-approve");
        Assert.Equal(JsonValueKind.Null, (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").ValueKind);
    }

    [Fact]
    public async Task FormPostResponseModeAnswersWithAPageThatPostsTheCodeToTheRedirectUri()
    {
        const string redirect = "http://localhost:5598/";
        var query = $"client_id=public-app&response_type=code&response_mode=form_post&redirect_uri={Uri.EscapeDataString(redirect)}&scope=https://vault.azure.net/.default&state=s-42";
        using var response = await _vault.Http.GetAsync($"{_vault.Server.TenantId}/oauth2/v2.0/authorize?{query}");
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"<form method=\"POST\" action=\"{redirect}\">", page, StringComparison.Ordinal);
        Assert.Matches("<input type=\"hidden\" name=\"code\" value=\"[A-Za-z0-9_-]{40,}\"/>", page);
        Assert.Contains("<input type=\"hidden\" name=\"state\" value=\"s-42\"/>", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "{tenant}/oauth2/v2.0/devicecode", "scope=https://vault.azure.net/.default", 400, "invalid_request")]
    [InlineData("POST", "{tenant}/oauth2/v2.0/devicecode", "client_id=a&scope=openid", 400, "invalid_request")]
    [InlineData("POST", "another-tenant/oauth2/v2.0/devicecode", "client_id=a&scope=https://vault.azure.net/.default", 400, "invalid_request")]
    [InlineData("POST", "{tenant}/oauth2/v2.0/token", "grant_type=device_code&client_id=a&device_code=made-up", 400, "invalid_grant")]
    [InlineData("POST", "{tenant}/oauth2/v2.0/token", "grant_type=authorization_code&client_id=a&code=made-up&redirect_uri=http://localhost/", 400, "invalid_grant")]
    [InlineData("POST", "{tenant}/oauth2/v2.0/token", "grant_type=authorization_code&client_id=a", 400, "invalid_request")]
    [InlineData("POST", "{tenant}/oauth2/v2.0/token", "grant_type=refresh_token&client_id=a&refresh_token=made-up&scope=https://vault.azure.net/.default", 400, "invalid_grant")]
    [InlineData("GET", "{tenant}/oauth2/v2.0/authorize?client_id=a&response_type=token&redirect_uri=http://localhost:1/&scope=https://vault.azure.net/.default", "", 302, "unsupported_response_type")]
    [InlineData("POSTJSON", "_localvault/devicelogin", "{\"userCode\":\"ZZZZ-ZZZZ\"}", 404, "NotFound")]
    [InlineData("POSTJSON", "_localvault/devicelogin", "{\"user\":\"x\"}", 400, "BadParameter")]
    [InlineData("POSTJSON", "_localvault/devicelogin", "not json", 400, "BadParameter")]
    [InlineData("PUTJSON", "_localvault/devicelogin/auto-approve", "{\"user\":\" \"}", 400, "BadParameter")]
    public async Task BadUserSignInRequestsAreRefusedWithoutATokenOrAStateChange(string method, string path, string body, int status, string error)
    {
        var url = path.Replace("{tenant}", _vault.Server.TenantId, StringComparison.Ordinal);
        using var request = new HttpRequestMessage(new HttpMethod(method.Replace("JSON", string.Empty, StringComparison.Ordinal)), url);
        if (method != "GET")
        {
            request.Content = new StringContent(body, Encoding.UTF8, method.EndsWith("JSON", StringComparison.Ordinal) ? "application/json" : "application/x-www-form-urlencoded");
        }

        using var response = await _vault.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(error, status == 302 ? response.Headers.Location!.Query : text, StringComparison.Ordinal);
        Assert.DoesNotContain("access_token", text, StringComparison.Ordinal);
        using var auto = await _vault.Http.GetAsync("_localvault/devicelogin/auto-approve");
        Assert.Equal(JsonValueKind.Null, (await auto.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").ValueKind);
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
