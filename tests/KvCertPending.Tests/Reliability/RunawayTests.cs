using System.Diagnostics;
using System.Management.Automation;
using KvCertPending.LocalVault;
using KvCertPending.Tests.Infrastructure;
using Xunit.Abstractions;

namespace KvCertPending.Tests.Reliability;

/// <summary>
/// A hung vault cannot hold a cmdlet past its timeouts, and Ctrl+C (PowerShell.Stop() on the hosted pipeline) ends a
/// cmdlet at once, both while a request hangs and while the module waits to retry. Times are printed, not asserted:
/// each test only asserts that the cmdlet ended before the injected hang (or wait) would have.
/// </summary>
public sealed class RunawayTests : FaultTest
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    public RunawayTests(ModuleVault vault, ITestOutputHelper output)
        : base(vault, output)
    {
    }

    [Fact]
    public async Task HungReadGivesUpAtTheBudgetWithAnOperationTimeout()
    {
        var name = NewName("hungread");
        await CreateManualAsync(name, "CN=" + name);
        Inject(VaultFaultKind.Latency, "GET", $"/certificates/{name}/pending", count: 100, latency: Hang);
        Ps.SetVariable("KvCertPendingRequestTimeout", 1);
        Ps.SetVariable("KvCertPendingOperationTimeout", 4);

        var (result, elapsed) = Timed($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}");
        var error = result.SingleError();
        Output.WriteLine($"GET hung for {Hang.TotalSeconds} s, 1 s per try, 4 s budget: error after {elapsed.TotalSeconds:0.00} s: {error.Exception.Message}");

        AssertError(error, "VaultTimeout", ErrorCategory.OperationTimeout);
        Assert.Matches(@"Gave up after [2-4] attempt\(s\) over \d+[.,]\d s: no answer within 1 s\.", error.Exception.Message);
        Assert.Contains("$KvCertPendingRequestTimeout", error.ErrorDetails!.RecommendedAction, StringComparison.Ordinal);
        Assert.True(elapsed < Hang, "the cmdlet waited for the hung vault");
    }

    [Fact]
    public async Task HungCreateGivesUpAndSaysTheOutcomeIsToBeChecked()
    {
        var name = NewName("hungcreate");
        Inject(VaultFaultKind.Latency, "POST", $"/certificates/{name}/create", count: 100, latency: Hang);
        Ps.SetVariable("KvCertPendingRequestTimeout", 1);
        Ps.SetVariable("KvCertPendingOperationTimeout", 4);

        var (result, elapsed) = Timed($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}'");
        var error = result.SingleError();
        Output.WriteLine($"create hung for {Hang.TotalSeconds} s, 1 s per try, 4 s budget: error after {elapsed.TotalSeconds:0.00} s: {error.Exception.Message} | {error.ErrorDetails?.RecommendedAction}");

        AssertError(error, "VaultTimeout", ErrorCategory.OperationTimeout);
        Assert.Contains($"Get-KvPendingCertificate -Name {name}", error.ErrorDetails!.RecommendedAction, StringComparison.Ordinal);
        Assert.True(elapsed < Hang, "the cmdlet waited for the hung vault");

        // The vault never got to act (its handler was aborted with each connection): nothing was made, let alone twice.
        Server.ClearFaults();
        Assert.Null(await PendingAsync(name));
    }

    [Fact]
    public void WaitTimeoutHoldsWhileAPollHangs()
    {
        // -Wait -Timeout 3 while the vault hangs every poll for a minute (default timeouts: 30 s per try, 120 s per
        // operation): the wait's own timeout ends it.
        var name = NewName("hungpoll");
        Inject(VaultFaultKind.Latency, "GET", $"/certificates/{name}/pending", count: 100, latency: Hang);

        var (result, elapsed) = Timed($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}' -IssuerName {ModuleVault.SlowIssuer} -Wait -Timeout 3");
        var error = result.SingleError();
        Output.WriteLine($"-Wait -Timeout 3 with every poll hung for {Hang.TotalSeconds} s: ended after {elapsed.TotalSeconds:0.00} s");

        AssertError(error, "PendingCertificateWaitTimeout", ErrorCategory.OperationTimeout);
        // Without the bound, the first poll alone would hang until its 30 s per-try timeout.
        Assert.True(elapsed < TimeSpan.FromSeconds(30), "a hung poll held the wait past its -Timeout");
    }

    [Fact]
    public async Task StopDuringAHungRequestReturnsPromptly()
    {
        var name = NewName("stophung");
        await CreateManualAsync(name, "CN=" + name);
        Inject(VaultFaultKind.Latency, "GET", $"/certificates/{name}/pending", count: 1, latency: Hang);

        // Default timeouts (30 s per try): only Stop can end this early.
        var stopped = await StopWhileRunningAsync($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}", left: 0);
        Output.WriteLine($"Stop() during a request hung for {Hang.TotalSeconds} s: returned after {stopped.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task StopDuringARetryBackOffReturnsPromptly()
    {
        var name = NewName("stopwait");
        await CreateManualAsync(name, "CN=" + name);
        Inject(VaultFaultKind.Throttle, "GET", $"/certificates/{name}/pending", count: 1, retryAfterSeconds: (int)Hang.TotalSeconds);

        var stopped = await StopWhileRunningAsync($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}", left: 0);
        Output.WriteLine($"Stop() while waiting {Hang.TotalSeconds} s to retry after a 429: returned after {stopped.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task StopDuringAHungCreateReturnsPromptlyAndMakesNothing()
    {
        var name = NewName("stopcreate");
        Inject(VaultFaultKind.Latency, "POST", $"/certificates/{name}/create", count: 1, latency: Hang);

        var stopped = await StopWhileRunningAsync($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}'", left: 0);
        Output.WriteLine($"Stop() during a create hung for {Hang.TotalSeconds} s: returned after {stopped.TotalMilliseconds:0} ms");
        Assert.Null(await PendingAsync(name));
    }

    [Fact]
    public async Task AnOversizedChainIsRefusedBeforeAnythingIsSent()
    {
        var name = NewName("bigchain");
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}'").Single();
        var x5c = (await Vault.SignAsync((byte[])created.Csr)).ToList();
        for (var i = 0; i < 16; i++)
        {
            using var key = System.Security.Cryptography.ECDsa.Create();
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest($"CN=extra {i}", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var extra = request.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
            x5c.Add(Convert.ToBase64String(extra.RawData));
        }

        Ps.SetVariable("x5c", x5c.ToArray());
        var error = Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c").SingleError();

        AssertError(error, "CertificateChainTooLarge", ErrorCategory.InvalidArgument);
        Assert.Contains("18 certificate(s)", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("inProgress", (await PendingAsync(name))!.Status);
    }

    /// <summary>
    /// Starts the script, waits until the vault has met the injected fault (the cmdlet is then hung or backing off),
    /// calls Stop() and returns how long Stop() took; asserts the pipeline ended stopped before the hang would have.
    /// </summary>
    private async Task<TimeSpan> StopWhileRunningAsync(string script, int left)
    {
        using var shell = Ps.CreatePowerShell();
        shell.AddScript(script);
        var started = Stopwatch.StartNew();
        var pending = shell.BeginInvoke();
        await WaitForFaultsRemainingAsync(left);
        await Task.Delay(300);
        Assert.False(pending.IsCompleted, "the cmdlet ended before it could be stopped");

        var clock = Stopwatch.StartNew();
        var stop = Task.Run(shell.Stop);
        var first = await Task.WhenAny(stop, Task.Delay(Hang));
        var took = clock.Elapsed;
        Assert.True(first == stop, "Stop() did not return before the injected hang would have ended");
        Assert.Throws<PipelineStoppedException>(() => shell.EndInvoke(pending));
        Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
        Assert.True(started.Elapsed < Hang, "the pipeline ran as long as the hang");
        return took;
    }
}
