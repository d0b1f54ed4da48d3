using System.Management.Automation;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using KvCertPending.Hosting;
using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>
/// Admins signing in as users through the module, end to end against a vault that accepts only tokens it issued:
/// Connect-KvVault -UseDeviceAuthentication, the test playing the user who reads the prompt and approves the code.
/// (-Interactive drives the system browser, which needs a process of its own: ProcessProbeTests.)
/// </summary>
public sealed partial class UserSignInTests : IAsyncLifetime
{
    private LocalVaultHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await SignInVault.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public void DeviceCodePromptReachesTheUserAsAWarningAndTheApprovedSignInIsUsedForTheSession()
    {
        using var session = SignInVault.OpenWithoutToken(_harness);
        var (output, warnings, errors, threads) = ConnectPlayingTheUser(session, "Connect-KvVault -VaultUri $VaultUri -UseDeviceAuthentication", approve: true);

        Assert.Empty(errors);
        var connection = Assert.Single(output);
        Assert.Equal("DeviceCode", (string)connection.Properties["SignIn"].Value);
        Assert.Equal("admin@contoso.test", (string)connection.Properties["Account"].Value);

        // The prompt is the service's message, written as a warning on the pipeline thread (the thread the script runs on).
        var prompt = Assert.Single(warnings);
        Assert.Matches(@"^To sign in, use a web browser to open the page https://localhost:\d+/_localvault/devicelogin and enter the code [A-Z0-9]{4}-[A-Z0-9]{4} to authenticate\.$", prompt);
        Assert.Equal(threads.Script, threads.Warning);

        // The user's token opens the vault for the session: no second prompt, nothing printed that looks like a token.
        var rendered = session.Render("New-KvCertificate -Name dc-cert -Subject 'CN=dc' -Verbose | Remove-KvPendingCertificate -Force -PassThru -Verbose").ConsoleText;
        Assert.Contains("dc-cert", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("To sign in", rendered, StringComparison.Ordinal);
        SignInVault.AssertNoSecret(rendered, "eyJ");
    }

    [Fact]
    public void ADeclinedDeviceCodeIsAnAuthenticationErrorAndLeavesNoConnection()
    {
        using var session = SignInVault.OpenWithoutToken(_harness);
        session.SetVariable("tenant", _harness.Server.TenantId);
        var (output, warnings, errors, _) = ConnectPlayingTheUser(session, "Connect-KvVault -VaultUri $VaultUri -UseDeviceAuthentication -TenantId $tenant", approve: false);

        Assert.Empty(output);
        Assert.Single(warnings);
        var error = Assert.Single(errors);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Equal("VaultNotSpecified,KvCertPending.Commands.GetKvPendingCertificateCommand", session.Run("Get-KvPendingCertificate").SingleError().FullyQualifiedErrorId);

        var conflict = session.Run("Connect-KvVault -VaultUri $VaultUri -UseDeviceAuthentication -Interactive");
        Assert.Equal("SignInParametersInvalid,KvCertPending.Commands.ConnectKvVaultCommand", conflict.SingleError().FullyQualifiedErrorId);
    }

    [Fact]
    public void CtrlCWhileWaitingForTheUserStopsTheSignInAndLeavesNoConnection()
    {
        using var session = SignInVault.OpenWithoutToken(_harness);
        using var ps = session.CreatePowerShell();
        ps.AddScript("Connect-KvVault -VaultUri $VaultUri -UseDeviceAuthentication");
        var prompted = new ManualResetEventSlim();
        ps.Streams.Warning.DataAdded += (_, _) => prompted.Set();

        var running = ps.BeginInvoke();
        Assert.True(prompted.Wait(TimeSpan.FromMinutes(1)), "the prompt was shown");
        ps.Stop();
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(running));

        Assert.Equal("VaultNotSpecified,KvCertPending.Commands.GetKvPendingCertificateCommand", session.Run("Get-KvPendingCertificate").SingleError().FullyQualifiedErrorId);
    }

    /// <summary>
    /// Runs Connect-KvVault and, as the user would, reads the code from the warning it writes and approves (or declines) it
    /// at the vault's device-login endpoint while the cmdlet waits.
    /// </summary>
    private (IReadOnlyList<PSObject> Output, IReadOnlyList<string> Warnings, IReadOnlyList<ErrorRecord> Errors, (int Script, int Warning) Threads)
        ConnectPlayingTheUser(PsSession session, string connect, bool approve)
    {
        using var ps = session.CreatePowerShell();
        ps.AddScript("$global:scriptThread = [System.Threading.Thread]::CurrentThread.ManagedThreadId; " + connect);
        var warnings = new List<string>();
        var decisions = new List<Task>();
        var warningThread = -1;
        ps.Streams.Warning.DataAdded += (_, e) =>
        {
            var message = ps.Streams.Warning[e.Index].Message;
            warnings.Add(message);
            warningThread = Environment.CurrentManagedThreadId;
            var code = UserCode().Match(message).Value;
            decisions.Add(_harness.Http.PostAsJsonAsync("_localvault/devicelogin", new { userCode = code, user = "admin@contoso.test", decline = !approve })
                .ContinueWith(t => Assert.True(t.Result.IsSuccessStatusCode, "the code was approved"), TaskScheduler.Default));
        };

        var output = ps.Invoke().ToList();
        Task.WaitAll([.. decisions], TimeSpan.FromMinutes(1));
        var scriptThread = Convert.ToInt32(session.GetVariable("scriptThread"), System.Globalization.CultureInfo.InvariantCulture);
        return (output, warnings, ps.Streams.Error.ToList(), (scriptThread, warningThread));
    }

    [GeneratedRegex("[A-Z0-9]{4}-[A-Z0-9]{4}")]
    private static partial Regex UserCode();
}
