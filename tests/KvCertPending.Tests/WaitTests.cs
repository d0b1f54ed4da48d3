using System.Management.Automation;
using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>-Wait: reaching a final state, timing out, not waiting for manual requests, and Ctrl+C (Stop) ending it.</summary>
public sealed class WaitTests : ModuleTest
{

    public WaitTests(ModuleVault vault)
        : base(vault)
    {
    }

    [Fact]
    public async Task StoppingAWaitEndsItAtOnce()
    {
        var name = NewName("stopwait");
        using var shell = Ps.CreatePowerShell();
        shell.AddScript($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=w' -IssuerName {ModuleVault.SlowIssuer} -Wait");
        var pending = shell.BeginInvoke();

        // Wait until the request exists (the wait loop is then polling a CA that answers only after a minute).
        for (var i = 0; i < 100 && !await ExistsAsync(name); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(await ExistsAsync(name));
        var stop = Task.Run(shell.Stop);
        var first = await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.True(first == stop, "Stop() did not return while the wait had a minute to go.");
        Assert.Throws<PipelineStoppedException>(() => shell.EndInvoke(pending));
        Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
    }

    private async Task<bool> ExistsAsync(string name)
    {
        try
        {
            await Vault.Client.GetCertificateOperationAsync(name);
            return true;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    [Fact]
    public void TimeoutIsAnOperationTimeoutErrorCarryingTheLastState()
    {
        var name = NewName("timeout");
        var result = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=t' -IssuerName {ModuleVault.SlowIssuer} -Wait -Timeout 1");
        Assert.Empty(result.Output);
        var error = result.SingleError();
        Assert.Equal("PendingCertificateWaitTimeout,KvCertPending.Commands.NewKvCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        var last = Assert.IsAssignableFrom<object>(error.TargetObject);
        Assert.Equal("inProgress", new PSObject(last).Properties["Status"].Value);
        Assert.Contains(result.Progress, p => p.PercentComplete >= 0);

        // The vault sends Retry-After: 0; the wait honours it, raised to the 0.25 s floor (without the header it would poll every 2 s).
        Assert.Contains(result.Progress, p => p.StatusDescription.Contains("next check in 0.25 s", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Progress, p => p.StatusDescription.Contains("next check in 2 s", StringComparison.Ordinal));
    }

    [Fact]
    public void ManualRequestsAreNotWaitedFor()
    {
        var name = NewName("manualwait");
        var result = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=m' -IssuerName Unknown -Wait");
        Assert.Equal("inProgress", (string)result.Single().Status);
        Assert.Contains(result.Warnings, w => w.Message.Contains("Merge-KvCertificate", StringComparison.Ordinal));
    }

    [Fact]
    public void GetWaitOnSeveralRequestsEmitsEachFinalState()
    {
        var a = NewName("many");
        var b = NewName("many");
        var result = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {a} -Subject 'CN=a' -IssuerName {ModuleVault.QuickIssuer}; New-KvCertificate -VaultUri $VaultUri -Name {b} -Subject 'CN=b' -IssuerName {ModuleVault.FailingIssuer}");
        var final = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {a}, {b} -Wait".Replace($"{a}, {b}", $"{a}") + $"; Get-KvPendingCertificate -VaultUri $VaultUri -Name {b} -Wait");
        final.AssertNoErrors();
        Assert.Equal(["completed", "failed"], final.Output.Select(o => (string)o.Properties["Status"].Value));
    }
}
