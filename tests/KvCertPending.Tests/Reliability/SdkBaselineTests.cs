using Azure;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault;
using KvCertPending.Tests.Infrastructure;
using Xunit.Abstractions;

namespace KvCertPending.Tests.Reliability;

/// <summary>
/// The evidence for what the module adds to the SDK's retries: what the SDK alone (Azure.Security.KeyVault.Certificates
/// 4.10.0 with its default RetryPolicy, as the test harness's client uses it) does with the same faults. These tests
/// pin the SDK's behaviour; if an SDK update changes it, they fail and docs/reliability.md must be read again.
/// </summary>
public sealed class SdkBaselineTests : FaultTest
{
    public SdkBaselineTests(ModuleVault vault, ITestOutputHelper output)
        : base(vault, output)
    {
    }

    [Fact]
    public void SdkDefaultsAllowMinutesAgainstAHungVault()
    {
        var retry = new CertificateClientOptions().Retry;
        Assert.Equal(3, retry.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(0.8), retry.Delay);
        Assert.Equal(TimeSpan.FromMinutes(1), retry.MaxDelay);
        Assert.Equal(TimeSpan.FromSeconds(100), retry.NetworkTimeout);
        Output.WriteLine($"SDK alone: {retry.MaxRetries + 1} tries x {retry.NetworkTimeout.TotalSeconds} s + back-offs: a hung vault holds a call ~{((retry.MaxRetries + 1) * retry.NetworkTimeout.TotalSeconds / 60):0.0} min");
    }

    [Fact]
    public async Task SdkAloneResendsALostCreateAndReportsItsOwnRequestAsAConflict()
    {
        var name = NewName("sdkcreate");
        Inject(VaultFaultKind.DropAfterHandling, "POST", $"/certificates/{name}/create", count: 1);

        var failed = await Assert.ThrowsAsync<RequestFailedException>(() => Vault.Client.StartCreateCertificateAsync(name, new CertificatePolicy("Unknown", "CN=" + name)));
        Output.WriteLine($"SDK alone, create answer lost: {failed.Status} {failed.ErrorCode}");

        // The SDK sent the POST again: the vault made the request once, and the caller was told it failed.
        Assert.Equal(409, failed.Status);
        Assert.NotNull(await PendingAsync(name));
        Assert.Equal(1, await VersionCountAsync(name));
    }

    [Fact]
    public async Task SdkAloneResendsALostCancellationAndReportsItsOwnSuccessAsAnError()
    {
        var name = NewName("sdkcancel");
        await Vault.Client.StartCreateCertificateAsync(name, new CertificatePolicy(ModuleVault.SlowIssuer, "CN=" + name));
        Inject(VaultFaultKind.DropAfterHandling, "PATCH", $"/certificates/{name}/pending", count: 1);

        var failed = await Assert.ThrowsAsync<RequestFailedException>(() => new CertificateOperation(Vault.Client, name).CancelAsync());
        Output.WriteLine($"SDK alone, cancellation answer lost: {failed.Status} {failed.ErrorCode}: {failed.Message.Split('\n')[0]}");

        // The issuer honoured the first request at once; the resent one is refused.
        Assert.Equal(403, failed.Status);
        Assert.True((await PendingAsync(name))!.CancellationRequested);
    }

    [Fact]
    public async Task SdkAloneResendsALostMergeAndReportsItsOwnSuccessAsAnError()
    {
        var name = NewName("sdkmerge");
        var operation = await Vault.Client.StartCreateCertificateAsync(name, new CertificatePolicy("Unknown", "CN=" + name));
        var x5c = await Vault.SignAsync(operation.Properties.Csr);
        Inject(VaultFaultKind.DropAfterHandling, "POST", $"/certificates/{name}/pending/merge", count: 1);

        var failed = await Assert.ThrowsAsync<RequestFailedException>(() =>
            Vault.Client.MergeCertificateAsync(new MergeCertificateOptions(name, x5c.Select(Convert.FromBase64String))));
        Output.WriteLine($"SDK alone, merge answer lost: {failed.Status} {failed.ErrorCode}: {failed.Message.Split('\n')[0]}");

        Assert.InRange(failed.Status, 400, 499);
        Assert.Equal("completed", (await PendingAsync(name))!.Status);
    }
}
