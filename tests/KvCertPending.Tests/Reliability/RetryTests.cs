using System.Management.Automation;
using KvCertPending.LocalVault;
using KvCertPending.Tests.Infrastructure;
using Xunit.Abstractions;

namespace KvCertPending.Tests.Reliability;

/// <summary>
/// What the module retries (429/503 for every request, 500 and lost connections only where sending twice is
/// harmless), that it honours Retry-After, and that it gives up within its budget with an error that names the cause.
/// </summary>
public sealed class RetryTests : FaultTest
{
    public RetryTests(ModuleVault vault, ITestOutputHelper output)
        : base(vault, output)
    {
    }

    [Fact]
    public async Task ThrottledReadIsRetriedAfterTheRetryAfterTheVaultAsked()
    {
        var name = NewName("throttled");
        await CreateManualAsync(name, "CN=" + name);

        // One 429 asking for 3 s: the module's own first back-off would be 0.8 s.
        Inject(VaultFaultKind.Throttle, "GET", $"/certificates/{name}/pending", count: 1, retryAfterSeconds: 3);
        var (result, elapsed) = Timed($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}");
        Output.WriteLine($"429 with Retry-After 3 s, then 200: {elapsed.TotalSeconds:0.00} s");

        Assert.Equal(name, (string)result.Single().Name);
        Assert.Equal(0, FaultsRemaining());
        Assert.True(elapsed >= TimeSpan.FromSeconds(2.9), $"answered after {elapsed}: the Retry-After of 3 s was not honoured");
    }

    [Fact]
    public async Task CreateMeetingUnavailableTwiceIsSentAgainAndMadeOnce()
    {
        var name = NewName("unavail");
        Inject(VaultFaultKind.Unavailable, "POST", $"/certificates/{name}/create", count: 2);

        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}'").Single();

        Assert.Equal(0, FaultsRemaining());
        Assert.Equal(1, await VersionCountAsync(name));
        Assert.Equal((string)created.RequestId, (await PendingAsync(name))!.RequestId);
    }

    [Fact]
    public async Task InternalErrorOnCreateIsCheckedThenSentAgainAndMadeOnce()
    {
        // A 500 may come after the vault acted: the module does not resend blindly; it looks first (nothing there), then resends.
        var name = NewName("err500");
        Inject(VaultFaultKind.InternalError, "POST", $"/certificates/{name}/create", count: 1);

        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}'").Single();

        Assert.Equal(0, FaultsRemaining());
        Assert.Equal(1, await VersionCountAsync(name));
        Assert.Equal((string)created.RequestId, (await PendingAsync(name))!.RequestId);
    }

    [Fact]
    public async Task ReadsAreRetriedOnInternalErrorsAndDroppedConnections()
    {
        var name = NewName("readretry");
        var made = await CreateManualAsync(name, "CN=" + name);
        Inject(VaultFaultKind.InternalError, "GET", $"/certificates/{name}/pending", count: 1);
        Inject(VaultFaultKind.DropBeforeHandling, "GET", $"/certificates/{name}/pending", count: 1);

        var pending = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single();

        Assert.Equal(made.RequestId, (string)pending.RequestId);
        Assert.Equal(0, FaultsRemaining());
    }

    [Fact]
    public async Task VaultWideScanGetsThroughFaultsOnTheListingAndOnEachRead()
    {
        var prefix = NewName("scan");
        var made = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            made.Add((await CreateManualAsync($"{prefix}-{i}", $"CN={prefix}-{i}")).RequestId);
        }

        // The listing meets a 503 and a dropped connection; two of the pending reads meet a 500 and a 429.
        Inject(VaultFaultKind.Unavailable, "GET", "/certificates", count: 1, retryAfterSeconds: 0);
        Inject(VaultFaultKind.DropBeforeHandling, "GET", "/certificates", count: 1);
        Inject(VaultFaultKind.InternalError, "GET", $"/certificates/{prefix}-1/pending", count: 1);
        Inject(VaultFaultKind.Throttle, "GET", $"/certificates/{prefix}-2/pending", count: 1, retryAfterSeconds: 0);

        var result = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name '{prefix}-*'");

        result.AssertNoErrors();
        Assert.Equal(made, result.Output.Select(o => (string)o.Properties["RequestId"].Value).ToList());
        Assert.Equal(0, FaultsRemaining());
    }

    [Fact]
    public async Task PersistentUnavailabilityGivesUpWithinTheBudgetNamingTheCause()
    {
        var name = NewName("down");
        Inject(VaultFaultKind.Unavailable, "POST", $"/certificates/{name}/create", count: 100);
        Ps.SetVariable("KvCertPendingOperationTimeout", 4);

        var (result, elapsed) = Timed($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}'");
        var error = result.SingleError();
        Output.WriteLine($"503 every time, 4 s budget: gave up after {elapsed.TotalSeconds:0.00} s: {error.Exception.Message}");

        AssertError(error, "VaultUnavailable", ErrorCategory.ResourceUnavailable);
        Assert.Matches(@"Gave up after [2-6] attempt\(s\) over \d+[.,]\d s: 503 ServiceUnavailable\.", error.Exception.Message);
        Assert.Contains("budget of 4 s", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("(Key Vault: 503 ServiceUnavailable: The service is temporarily unavailable", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(name, error.TargetObject);
        var exception = error.Exception;
        Assert.Equal(503, exception.GetType().GetProperty("Status")!.GetValue(exception));
        Assert.Equal("ServiceUnavailable", exception.GetType().GetProperty("ServiceCode")!.GetValue(exception));
        Assert.Null(await PendingAsync(name));
    }

    [Fact]
    public async Task RetryAfterLongerThanTheModuleWaitsGivesUpAtOnce()
    {
        var name = NewName("longwait");
        await CreateManualAsync(name, "CN=" + name);
        Inject(VaultFaultKind.Throttle, "GET", $"/certificates/{name}/pending", count: 1, retryAfterSeconds: 600);

        var (result, elapsed) = Timed($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}");
        var error = result.SingleError();
        Output.WriteLine($"429 asking for 600 s: error after {elapsed.TotalSeconds:0.00} s: {error.Exception.Message}");

        AssertError(error, "VaultThrottled", ErrorCategory.LimitsExceeded);
        Assert.Contains("asked to wait 600 s", error.Exception.Message, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(600), "the module slept through the Retry-After it refuses");
    }

    [Fact]
    public void ATimeoutSettingThatIsNotADurationIsRefusedClearly()
    {
        Ps.SetVariable("KvCertPendingRequestTimeout", -5);
        var error = Ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name whatever").SingleError();
        AssertError(error, "TimeoutSettingInvalid", ErrorCategory.InvalidArgument);
        Assert.Contains("$KvCertPendingRequestTimeout", error.Exception.Message, StringComparison.Ordinal);

        Ps.SetVariable("KvCertPendingRequestTimeout", "soon");
        AssertError(Ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name whatever").SingleError(), "TimeoutSettingInvalid", ErrorCategory.InvalidArgument);

        // Seconds as text, or a TimeSpan, are fine: the call reaches the vault (which has no such request).
        var found = Ps.Run("$KvCertPendingRequestTimeout = '2.5'; $KvCertPendingOperationTimeout = [TimeSpan]::FromSeconds(9); " +
            "Get-KvPendingCertificate -VaultUri $VaultUri -Name whatever").SingleError();
        AssertError(found, "PendingCertificateNotFound", ErrorCategory.ObjectNotFound);
    }
}
