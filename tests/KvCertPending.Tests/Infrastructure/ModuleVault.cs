using System.Management.Automation;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.Hosting;
using KvCertPending.LocalVault;

namespace KvCertPending.Tests.Infrastructure;

/// <summary>
/// One local vault per test class (the lead's LocalVaultHarness: fresh data folder, real HTTPS on loopback) with short
/// CA delays and the issuers the tests use, and hosted PowerShell sessions (ModuleSession) that import the built module
/// from out/KvCertPending as a user would.
/// </summary>
public sealed class ModuleVault : IAsyncLifetime
{
    /// <summary>Issues after a few hundred milliseconds.</summary>
    public const string QuickIssuer = "test-quick";

    /// <summary>Issues after a minute (for requests that must stay in progress).</summary>
    public const string SlowIssuer = "test-slow";

    /// <summary>Issues after 5 s unless cancelled before (the local vault applies a cancellation when the request is due).</summary>
    public const string CancellableIssuer = "test-cancellable";

    /// <summary>Fails (CertificateIssuerError) after a few hundred milliseconds.</summary>
    public const string FailingIssuer = "test-fail";

    /// <summary>Refuses (RequestRejected) after a few hundred milliseconds.</summary>
    public const string RejectingIssuer = "test-reject";

    public LocalVaultHarness Harness { get; private set; } = null!;

    public CertificateClient Client => Harness.Certificates;

    public string VaultUri => Harness.VaultUri.AbsoluteUri;

    public async Task InitializeAsync()
    {
        Harness = await LocalVaultHarness.StartAsync(configure: options =>
        {
            options.RetryAfterSeconds = 0;
            options.DefaultSimulation = new IssuerSimulation(TimeSpan.FromMilliseconds(300), IssuerOutcome.Issue, HonourCancellation: true);
            options.SelfIssuanceDelay = TimeSpan.FromMilliseconds(300);
        });
        await Harness.CreateIssuerAsync(QuickIssuer, "DigiCert", new IssuerSimulation(TimeSpan.FromMilliseconds(400), IssuerOutcome.Issue, true));
        await Harness.CreateIssuerAsync(SlowIssuer, "DigiCert", new IssuerSimulation(TimeSpan.FromSeconds(60), IssuerOutcome.Issue, true));
        await Harness.CreateIssuerAsync(CancellableIssuer, "GlobalSign", new IssuerSimulation(TimeSpan.FromSeconds(5), IssuerOutcome.Issue, true));
        await Harness.CreateIssuerAsync(FailingIssuer, "DigiCert", new IssuerSimulation(TimeSpan.FromMilliseconds(300), IssuerOutcome.Fail, true));
        await Harness.CreateIssuerAsync(RejectingIssuer, "DigiCert", new IssuerSimulation(TimeSpan.FromMilliseconds(300), IssuerOutcome.Reject, true));
    }

    /// <summary>The local CA signs a CSR: the chain leaf first, as base64 DER.</summary>
    public async Task<string[]> SignAsync(byte[] csr, int validityDays = 365) =>
        (await Harness.SignCsrAsync(csr, validityDays)).Select(Convert.ToBase64String).ToArray();

    /// <summary>A hosted PowerShell 7.6 session with the built module imported and the local vault's settings.</summary>
    public PsSession OpenSession(int width = 160) => new(Harness.OpenSession(width: width));

    public async Task DisposeAsync() => await Harness.DisposeAsync();
}

/// <summary>One hosted session: run scripts, read output, streams and the console text.</summary>
public sealed class PsSession : IDisposable
{
    public PsSession(ModuleSession session) => Session = session;

    public ModuleSession Session { get; }

    public void SetVariable(string name, object? value) => Session.SetVariable(name, value);

    public object? GetVariable(string name) => Session.Runspace.SessionStateProxy.GetVariable(name);

    public PsResult Run(string script) => new(Session.Run(script));

    /// <summary>Runs the script as a console would (through Out-Default): the result's ConsoleText is what a user sees.</summary>
    public PsResult Render(string script) => new(Session.Render(script));

    /// <summary>A PowerShell instance on this session's runspace (to BeginInvoke and Stop).</summary>
    public PowerShell CreatePowerShell() => Session.CreatePowerShell();

    public void Dispose() => Session.Dispose();
}

public sealed class PsResult
{
    public PsResult(ScriptResult result)
    {
        Output = result.Output;
        Errors = result.Errors;
        Warnings = result.Warnings;
        Progress = result.Progress;
        Verbose = result.Verbose;
        ConsoleText = result.ConsoleText;
    }

    public IReadOnlyList<PSObject> Output { get; }

    public IReadOnlyList<ErrorRecord> Errors { get; }

    public IReadOnlyList<WarningRecord> Warnings { get; }

    public IReadOnlyList<ProgressRecord> Progress { get; }

    public IReadOnlyList<VerboseRecord> Verbose { get; }

    public string ConsoleText { get; }

    public dynamic Single()
    {
        AssertNoErrors();
        Assert.Single(Output);
        return Output[0];
    }

    public ErrorRecord SingleError()
    {
        Assert.True(Errors.Count == 1, "Expected one error, got: " + Describe());
        return Errors[0];
    }

    public void AssertNoErrors() => Assert.True(Errors.Count == 0, "Unexpected errors: " + Describe());

    private string Describe() => Errors.Count + ": " + string.Join(" | ", Errors.Select(e => e.FullyQualifiedErrorId + ": " + e));
}
