using System.Management.Automation;
using System.Security;
using KvCertPending.Hosting;
using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>Connect-KvVault / Disconnect-KvVault: session defaults, and signing in end to end against a vault that accepts only tokens it issued.</summary>
public sealed class ConnectTests : IAsyncLifetime
{
    // Passing locally with the two cmdlets added to out/KvCertPending/KvCertPending.psd1 by hand (08:40 UTC).
    private const string NotExported = "Connect-KvVault/Disconnect-KvVault are internal until KvCertPending.psd1 exports them with help pages (issue 5): make them public, -VaultUri optional, export, then remove this Skip.";

    private LocalVaultHarness _harness = null!;

    public async Task InitializeAsync() =>
        _harness = await LocalVaultHarness.StartAsync(configure: options =>
        {
            options.RequireIssuedTokens = true;
            options.RetryAfterSeconds = 0;
        });

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private PsSession OpenWithoutToken()
    {
        var ps = new PsSession(_harness.OpenSession());
        ps.Run("$PSDefaultParameterValues.Remove('*-Kv*:AccessToken')").AssertNoErrors();
        return ps;
    }

    private static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    [Fact(Skip = NotExported)]
    public void ServicePrincipalWithASecretSignsInAndTheDefaultsApplyUntilDisconnect()
    {
        using var ps = OpenWithoutToken();
        ps.SetVariable("spCredential", new PSCredential("11111111-2222-3333-4444-555555555555", Secure("client-secret-value")));
        ps.SetVariable("tenant", _harness.Server.TenantId);

        // Not connected, no vault named: a clear error.
        var none = ps.Run("Get-KvPendingCertificate -Name anything");
        Assert.Equal("VaultNotSpecified,KvCertPending.Commands.GetKvPendingCertificateCommand", none.SingleError().FullyQualifiedErrorId);

        // An unissued token is refused by this vault.
        Assert.Equal(ErrorCategory.AuthenticationError, ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name x -AccessToken $spCredential.Password").SingleError().CategoryInfo.Category);

        var connection = ps.Run("Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -TenantId $tenant -Credential $spCredential").Single();
        Assert.Equal("ServicePrincipalSecret", (string)connection.SignIn);
        Assert.Equal(new Uri(_harness.VaultUri.AbsoluteUri), (Uri)connection.VaultUri);

        var created = ps.Run("New-KvCertificate -Name sp-cert -Subject 'CN=sp' | Get-KvPendingCertificate").Single();
        Assert.Equal("inProgress", (string)created.Status);
        var all = ps.Run("Get-KvPendingCertificate");
        Assert.Equal(["sp-cert"], all.Output.Select(o => (string)o.Properties["Name"].Value));
        Assert.DoesNotContain("client-secret-value", ps.Render("Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -TenantId $tenant -Credential $spCredential -Verbose").ConsoleText, StringComparison.Ordinal);

        ps.Run("Disconnect-KvVault").AssertNoErrors();
        Assert.Equal("VaultNotSpecified,KvCertPending.Commands.GetKvPendingCertificateCommand", ps.Run("Get-KvPendingCertificate -Name sp-cert").SingleError().FullyQualifiedErrorId);
    }

    [Fact(Skip = NotExported)]
    public void ManagedIdentityFromTheAppServiceEndpointSignsIn()
    {
        System.Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", _harness.Server.ManagedIdentityEndpoint.AbsoluteUri);
        System.Environment.SetEnvironmentVariable("IDENTITY_HEADER", _harness.Server.ManagedIdentityHeader);
        try
        {
            using var ps = OpenWithoutToken();
            var connection = ps.Run("Connect-KvVault -VaultUri $VaultUri -Identity").Single();
            Assert.Equal("ManagedIdentity", (string)connection.SignIn);
            ps.Run("New-KvCertificate -Name mi-cert -Subject 'CN=mi' | Remove-KvPendingCertificate -Force -PassThru").Single();
        }
        finally
        {
            System.Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", null);
            System.Environment.SetEnvironmentVariable("IDENTITY_HEADER", null);
        }
    }

    [Fact(Skip = NotExported)]
    public void ExplicitParametersWinOverTheDefaultsAndConflictingSignInsAreRefused()
    {
        using var ps = OpenWithoutToken();
        ps.SetVariable("spCredential", new PSCredential("client", Secure("secret")));
        ps.SetVariable("tenant", _harness.Server.TenantId);
        ps.Run("Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -TenantId $tenant -Credential $spCredential").Single();

        // An explicit vault wins: this one does not exist, so the error names it.
        var other = ps.Run("Get-KvPendingCertificate -VaultUri 'https://localhost:1/' -Name x");
        Assert.Equal(ErrorCategory.ConnectionError, other.SingleError().CategoryInfo.Category);

        var conflict = ps.Run("Connect-KvVault -VaultUri $VaultUri -Identity -ServicePrincipal -TenantId $tenant -Credential $spCredential");
        Assert.Equal("SignInParametersInvalid,KvCertPending.Commands.ConnectKvVaultCommand", conflict.SingleError().FullyQualifiedErrorId);
        var noTenant = ps.Run("Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -Credential $spCredential");
        Assert.Equal("SignInParametersInvalid,KvCertPending.Commands.ConnectKvVaultCommand", noTenant.SingleError().FullyQualifiedErrorId);
    }
}
