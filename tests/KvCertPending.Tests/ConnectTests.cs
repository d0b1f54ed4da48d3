using System.Management.Automation;
using System.Net.Http;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using KvCertPending.Hosting;
using KvCertPending.LocalVault;
using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>
/// Connect-KvVault / Disconnect-KvVault: session defaults, and signing in end to end (service principal with a secret or a
/// certificate file, a token the caller holds) against a vault that accepts only tokens it issued.
/// </summary>
public sealed class ConnectTests : IAsyncLifetime
{
    private LocalVaultHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await SignInVault.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public void ServicePrincipalWithASecretSignsInAndTheDefaultsApplyUntilDisconnect()
    {
        using var ps = SignInVault.OpenWithoutToken(_harness);
        ps.SetVariable("spCredential", new PSCredential("11111111-2222-3333-4444-555555555555", SignInVault.Secure("client-secret-value")));
        ps.SetVariable("tenant", _harness.Server.TenantId);

        // Not connected, no vault named: a clear error.
        var none = ps.Run("Get-KvPendingCertificate -Name anything");
        Assert.Equal("VaultNotSpecified,KvCertPending.Commands.GetKvPendingCertificateCommand", none.SingleError().FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, none.SingleError().CategoryInfo.Category);

        // A token this vault did not issue is refused.
        Assert.Equal(ErrorCategory.AuthenticationError, ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name x -AccessToken $spCredential.Password").SingleError().CategoryInfo.Category);

        var connection = ps.Run("Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -TenantId $tenant -Credential $spCredential").Single();
        Assert.Equal("ServicePrincipalSecret", (string)connection.SignIn);
        Assert.Equal(new Uri(_harness.VaultUri.AbsoluteUri), (Uri)connection.VaultUri);
        Assert.Equal("11111111-2222-3333-4444-555555555555", (string)connection.ClientId);

        var created = ps.Run("New-KvCertificate -Name sp-cert -Subject 'CN=sp' | Get-KvPendingCertificate").Single();
        Assert.Equal("inProgress", (string)created.Status);
        var all = ps.Run("Get-KvPendingCertificate");
        Assert.Equal(["sp-cert"], all.Output.Select(o => (string)o.Properties["Name"].Value));
        ps.Run("Stop-KvPendingCertificate -Name sp-cert -Force").Single();

        var rendered = ps.Render("& { $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -TenantId $tenant -Credential $spCredential; Get-KvPendingCertificate -Name sp-cert } *>&1").ConsoleText;
        Assert.Contains("sp-cert", rendered, StringComparison.Ordinal);
        SignInVault.AssertNoSecret(rendered, "client-secret-value");

        ps.Run("Disconnect-KvVault").AssertNoErrors();
        Assert.Equal("VaultNotSpecified,KvCertPending.Commands.GetKvPendingCertificateCommand", ps.Run("Get-KvPendingCertificate -Name sp-cert").SingleError().FullyQualifiedErrorId);
    }

    [Fact]
    public async Task ServicePrincipalWithACertificateFileSignsIn()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=kvcertpending-test-sp", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(_harness.DataDirectory, "sp-signin.pfx");
        await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, "pfx-password-value"));

        using var ps = SignInVault.OpenWithoutToken(_harness);
        ps.SetVariable("pfxPath", path);
        ps.SetVariable("pfxPassword", SignInVault.Secure("pfx-password-value"));
        ps.SetVariable("tenant", _harness.Server.TenantId);

        // Wrong password: a clear error, and nothing remembered.
        var wrong = ps.Run("Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -TenantId $tenant -ClientId app-1 -CertificatePath $pfxPath");
        Assert.Equal("SignInCertificateNotFound,KvCertPending.Commands.ConnectKvVaultCommand", wrong.SingleError().FullyQualifiedErrorId);
        Assert.Equal("VaultNotSpecified,KvCertPending.Commands.GetKvPendingCertificateCommand", ps.Run("Get-KvPendingCertificate").SingleError().FullyQualifiedErrorId);

        var connection = ps.Run("Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -TenantId $tenant -ClientId app-1 -CertificatePath $pfxPath -CertificatePassword $pfxPassword").Single();
        Assert.Equal("ServicePrincipalCertificate", (string)connection.SignIn);
        Assert.Equal("app-1", (string)connection.ClientId);

        var removed = ps.Run("New-KvCertificate -Name spc-cert -Subject 'CN=spc' | Remove-KvPendingCertificate -Force -PassThru").Single();
        Assert.Equal("spc-cert", (string)removed.Name);
    }

    [Fact]
    public async Task AWritableAccessTokenIsReadAfreshOnEveryCallAReadOnlyOneIsKept()
    {
        // The module keeps the credential made from a read-only SecureString (it cannot change), not from a writable one:
        // a caller who refreshes a token in place must have the new value used on the next call.
        var token = await SignInVault.IssueTokenAsync(_harness);
        using var ps = SignInVault.OpenWithoutToken(_harness);
        var writable = new SecureString();
        foreach (var c in "not-issued-here")
        {
            writable.AppendChar(c);
        }

        ps.SetVariable("writable", writable);
        Assert.Equal(ErrorCategory.AuthenticationError, ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name x -AccessToken $writable").SingleError().CategoryInfo.Category);

        writable.Clear();
        foreach (var c in token)
        {
            writable.AppendChar(c);
        }

        var refreshed = ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name x -AccessToken $writable");
        Assert.Equal("PendingCertificateNotFound,KvCertPending.Commands.GetKvPendingCertificateCommand", refreshed.SingleError().FullyQualifiedErrorId);

        // A read-only token: the same instance signs every call in.
        ps.SetVariable("kept", SignInVault.Secure(token));
        for (var i = 0; i < 3; i++)
        {
            var kept = ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name x -AccessToken $kept");
            Assert.Equal("PendingCertificateNotFound,KvCertPending.Commands.GetKvPendingCertificateCommand", kept.SingleError().FullyQualifiedErrorId);
        }
    }

    [Fact]
    public async Task AnAccessTokenIsUsedForTheSessionAndNeverPrinted()
    {
        var token = await SignInVault.IssueTokenAsync(_harness);
        using var ps = SignInVault.OpenWithoutToken(_harness);
        ps.SetVariable("token", SignInVault.Secure(token));

        var connection = ps.Run("Connect-KvVault -VaultUri $VaultUri -AccessToken $token").Single();
        Assert.Equal("AccessToken", (string)connection.SignIn);

        var run = ps.Run("& { $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; New-KvCertificate -Name at-cert -Subject 'CN=at' -Verbose; Get-KvPendingCertificate -Verbose; Connect-KvVault -VaultUri $VaultUri -AccessToken $token -Verbose } *>&1");
        run.AssertNoErrors();
        Assert.Equal(3, run.Output.Count(o => o.BaseObject is not (VerboseRecord or DebugRecord or InformationRecord or WarningRecord)));
        foreach (var item in run.Output)
        {
            SignInVault.AssertNoSecret(item.ToString(), token);
            foreach (var property in item.Properties)
            {
                SignInVault.AssertNoSecret(Convert.ToString(property.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, token);
            }
        }

        var rendered = ps.Render("Connect-KvVault -VaultUri $VaultUri -AccessToken $token; Get-KvPendingCertificate -Name at-cert").ConsoleText;
        Assert.Contains("at-cert", rendered, StringComparison.Ordinal);
        SignInVault.AssertNoSecret(rendered, token);
    }

    [Fact]
    public async Task TheAzAccountsContextSignsInThroughGetAzAccessToken()
    {
        var token = await SignInVault.IssueTokenAsync(_harness);
        using var ps = SignInVault.OpenWithoutToken(_harness);

        // Without Az.Accounts: a clear error, nothing remembered.
        var missing = ps.Run("Connect-KvVault -VaultUri $VaultUri -AzContext");
        Assert.Equal("AzContextUnavailable,KvCertPending.Commands.ConnectKvVaultCommand", missing.SingleError().FullyQualifiedErrorId);
        Assert.Equal("VaultNotSpecified,KvCertPending.Commands.GetKvPendingCertificateCommand", ps.Run("Get-KvPendingCertificate").SingleError().FullyQualifiedErrorId);

        // Az.Accounts' Get-AzAccessToken as it answers a signed-in session (here a stand-in that hands out a token this vault issued
        // and records how it was called).
        ps.SetVariable("azToken", SignInVault.Secure(token));
        ps.Run("""
            $global:azCalls = [System.Collections.Generic.List[string]]::new()
            function global:Get-AzAccessToken { param([string]$ResourceUrl, [switch]$AsSecureString)
                $global:azCalls.Add("$ResourceUrl|$AsSecureString")
                [pscustomobject]@{ Token = $azToken; ExpiresOn = [DateTimeOffset]::UtcNow.AddHours(1); TokenType = 'Bearer' } }
            """).AssertNoErrors();
        var connection = ps.Run("Connect-KvVault -VaultUri $VaultUri -AzContext").Single();
        Assert.Equal("AzContext", (string)connection.SignIn);
        Assert.Equal(["https://vault.azure.net|True"], ((System.Collections.IEnumerable)ps.GetVariable("azCalls")!).Cast<object>().Select(o => o.ToString()));

        var rendered = ps.Render("New-KvCertificate -Name az-cert -Subject 'CN=az' -Verbose | Remove-KvPendingCertificate -Force -PassThru -Verbose").ConsoleText;
        Assert.Contains("az-cert", rendered, StringComparison.Ordinal);
        SignInVault.AssertNoSecret(rendered, token);

        var conflict = ps.Run("Connect-KvVault -VaultUri $VaultUri -AzContext -Identity");
        Assert.Equal("SignInParametersInvalid,KvCertPending.Commands.ConnectKvVaultCommand", conflict.SingleError().FullyQualifiedErrorId);
    }

    [Fact]
    public void ExplicitParametersWinOverTheDefaultsAndConflictingSignInsAreRefused()
    {
        using var ps = SignInVault.OpenWithoutToken(_harness);
        ps.SetVariable("spCredential", new PSCredential("client", SignInVault.Secure("secret")));
        ps.SetVariable("tenant", _harness.Server.TenantId);
        ps.Run("Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -TenantId $tenant -Credential $spCredential").Single();

        // An explicit vault wins: this one does not exist, so the error names it.
        var other = ps.Run("Get-KvPendingCertificate -VaultUri 'https://localhost:1/' -Name x");
        Assert.Equal(ErrorCategory.ConnectionError, other.SingleError().CategoryInfo.Category);

        // An explicit token wins over the connected sign-in: this vault did not issue it.
        ps.SetVariable("foreign", SignInVault.Secure("not-issued-here"));
        Assert.Equal(ErrorCategory.AuthenticationError, ps.Run("Get-KvPendingCertificate -AccessToken $foreign").SingleError().CategoryInfo.Category);
        ps.Run("Get-KvPendingCertificate").AssertNoErrors();

        var conflict = ps.Run("Connect-KvVault -VaultUri $VaultUri -Identity -ServicePrincipal -TenantId $tenant -Credential $spCredential");
        Assert.Equal("SignInParametersInvalid,KvCertPending.Commands.ConnectKvVaultCommand", conflict.SingleError().FullyQualifiedErrorId);
        var noTenant = ps.Run("Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -Credential $spCredential");
        Assert.Equal("SignInParametersInvalid,KvCertPending.Commands.ConnectKvVaultCommand", noTenant.SingleError().FullyQualifiedErrorId);

        // The refused attempts left the earlier connection in place.
        ps.Run("Get-KvPendingCertificate").AssertNoErrors();
    }
}

/// <summary>
/// Managed identity as App Service / Azure Automation expose it (IDENTITY_ENDPOINT, IDENTITY_HEADER). Azure.Identity reads
/// those only from the process environment (no option takes the endpoint), and MSAL caches managed-identity tokens
/// process-wide: so these tests run alone (a collection without parallelisation), with one vault, and restore the environment.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class ManagedIdentitySignInTests : IAsyncLifetime
{
    private LocalVaultHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await SignInVault.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public void SystemAndUserAssignedIdentitiesSignInThroughTheAppServiceEndpoint()
    {
        using var environment = new EnvironmentScope(
            ("IDENTITY_ENDPOINT", _harness.Server.ManagedIdentityEndpoint.AbsoluteUri),
            ("IDENTITY_HEADER", _harness.Server.ManagedIdentityHeader),
            ("MSI_ENDPOINT", null),
            ("MSI_SECRET", null),
            ("IDENTITY_SERVER_THUMBPRINT", null),
            ("IMDS_ENDPOINT", null));
        using var ps = SignInVault.OpenWithoutToken(_harness);

        var connection = ps.Run("Connect-KvVault -VaultUri $VaultUri -Identity").Single();
        Assert.Equal("ManagedIdentity", (string)connection.SignIn);
        Assert.Null((string?)connection.ClientId);
        Assert.Equal("mi-cert", (string)ps.Run("New-KvCertificate -Name mi-cert -Subject 'CN=mi' | Remove-KvPendingCertificate -Force -PassThru").Single().Name);

        var user = ps.Run("Connect-KvVault -VaultUri $VaultUri -Identity -ClientId 9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d").Single();
        Assert.Equal("9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", (string)user.ClientId);
        ps.Run("New-KvCertificate -Name mi-user-cert -Subject 'CN=mi-user'").Single();
        Assert.Equal(["mi-user-cert"], ps.Run("Get-KvPendingCertificate").Output.Select(o => (string)o.Properties["Name"].Value));
        SignInVault.AssertNoSecret(ps.Render("Connect-KvVault -VaultUri $VaultUri -Identity -ClientId 9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d -Verbose *>&1").ConsoleText, _harness.Server.ManagedIdentityHeader);

        // The token is cached for the session: with the identity endpoint's secret now wrong, a fresh sign-in fails,
        // but the connected session goes on with the token it already has.
        System.Environment.SetEnvironmentVariable("IDENTITY_HEADER", "not-the-header");
        var fresh = ps.Run("Connect-KvVault -VaultUri $VaultUri -Identity -ClientId 0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
        Assert.Equal(ErrorCategory.AuthenticationError, fresh.SingleError().CategoryInfo.Category);
        Assert.Equal(["mi-user-cert"], ps.Run("Get-KvPendingCertificate").Output.Select(o => (string)o.Properties["Name"].Value));
        ps.Run("Remove-KvPendingCertificate -Name mi-user-cert -Force -PassThru").Single();
    }
}

/// <summary>Tests that change process-wide state (environment variables) run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}

/// <summary>Sets environment variables for a test and puts the previous values back.</summary>
internal sealed class EnvironmentScope : IDisposable
{
    private readonly (string Name, string? Value)[] _previous;

    public EnvironmentScope(params (string Name, string? Value)[] values)
    {
        _previous = values.Select(v => (v.Name, System.Environment.GetEnvironmentVariable(v.Name))).ToArray();
        foreach (var (name, value) in values)
        {
            System.Environment.SetEnvironmentVariable(name, value);
        }
    }

    public void Dispose()
    {
        foreach (var (name, value) in _previous)
        {
            System.Environment.SetEnvironmentVariable(name, value);
        }
    }
}

/// <summary>A local vault that accepts only the tokens it issued, and hosted sessions without the usual token default.</summary>
internal static class SignInVault
{
    public static Task<LocalVaultHarness> StartAsync() =>
        LocalVaultHarness.StartAsync(configure: options =>
        {
            options.RequireIssuedTokens = true;
            options.RetryAfterSeconds = 0;
        });

    public static PsSession OpenWithoutToken(LocalVaultHarness harness)
    {
        var ps = new PsSession(harness.OpenSession());
        ps.Run("$PSDefaultParameterValues.Remove('*-Kv*:AccessToken')").AssertNoErrors();
        return ps;
    }

    public static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    /// <summary>A token the vault issued, fetched as any OAuth client would (client credentials at its token endpoint).</summary>
    public static async Task<string> IssueTokenAsync(LocalVaultHarness harness)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "token-holder",
            ["client_secret"] = "token-holder-secret",
            ["scope"] = "https://vault.azure.net/.default",
        });
        using var response = await harness.Http.PostAsync(new Uri(harness.VaultUri, harness.Server.TenantId + "/oauth2/v2.0/token"), form);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var token = body.RootElement.GetProperty("access_token").GetString()!;
        Assert.True(token.Length > 40, "the vault issued a real token");
        return token;
    }

    /// <summary>Neither the secret nor anything shaped like a JWT (a token's header starts "eyJ") is in the text.</summary>
    public static void AssertNoSecret(string text, string secret)
    {
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", text, StringComparison.Ordinal);
    }
}
