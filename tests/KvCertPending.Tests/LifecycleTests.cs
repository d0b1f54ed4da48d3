using System.Management.Automation;
using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>The eleven scenarios of the lifecycle, as pipelines of the module's cmdlets against the local vault.</summary>
public sealed class LifecycleTests : ModuleTest
{

    public LifecycleTests(ModuleVault vault)
        : base(vault)
    {
    }

    [Fact]
    public void Scenario01_CreateWithIssuerStartsInProgress()
    {
        var name = NewName("s01");
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s01.example' -IssuerName {ModuleVault.SlowIssuer} -CertificateType OV-SSL").Single();
        Assert.Equal("inProgress", (string)created.Status);
        Assert.False((bool)created.CancellationRequested);
        Assert.Equal(ModuleVault.SlowIssuer, (string)created.IssuerName);
        Assert.Contains("in progress", (string)created.StatusDetails, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(new Uri(Vault.VaultUri), (Uri)created.VaultUri);
        Assert.Equal("localhost", (string)created.VaultName);
        Assert.StartsWith("-----BEGIN CERTIFICATE REQUEST-----", (string)created.CsrPem);
    }

    [Fact]
    public void Scenario02_GetInProgressAndTheRequestIdFilter()
    {
        var name = NewName("s02");
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s02' -IssuerName {ModuleVault.SlowIssuer}").Single();
        string requestId = created.RequestId;

        var got = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name} -RequestId {requestId}").Single();
        Assert.Equal("inProgress", (string)got.Status);
        Assert.Equal(requestId, (string)got.RequestId);

        var other = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name} -RequestId {new string('a', 32)}");
        var error = other.SingleError();
        Assert.Equal("PendingCertificateNotFound,KvCertPending.Commands.GetKvPendingCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(name, error.TargetObject);
        Assert.Empty(other.Output);
    }

    [Fact]
    public void Scenario03_WaitUntilCompletedShowsProgressAndTheTarget()
    {
        var name = NewName("s03");
        var result = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s03' -IssuerName {ModuleVault.QuickIssuer} -Wait -Timeout 60");
        var done = result.Single();
        Assert.Equal("completed", (string)done.Status);
        Assert.Equal(new Uri(Vault.VaultUri + "certificates/" + name), (Uri)done.Target);
        Assert.Contains(result.Progress, p => p.RecordType == ProgressRecordType.Processing && p.Activity.Contains(name, StringComparison.Ordinal));
        Assert.Contains(result.Progress, p => p.RecordType == ProgressRecordType.Completed);

        var again = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single();
        Assert.Equal("completed", (string)again.Status);
    }

    [Theory]
    [InlineData(ModuleVault.FailingIssuer)]
    [InlineData(ModuleVault.RejectingIssuer)]
    public void Scenario04_FailedRequestCarriesTheIssuersError(string issuer)
    {
        var name = NewName("s04");
        var result = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s04' -IssuerName {issuer} | Get-KvPendingCertificate -Wait");
        var failed = result.Single();
        Assert.Equal("failed", (string)failed.Status);
        Assert.False(string.IsNullOrEmpty((string)failed.ErrorCode));
        Assert.False(string.IsNullOrEmpty((string)failed.ErrorMessage));
        Assert.Contains(result.Warnings, w => w.Message.Contains(name, StringComparison.Ordinal));
    }

    [Fact]
    public void Scenario04_CancelledRequestEndsCancelled()
    {
        var name = NewName("s04c");
        var result = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s04c' -IssuerName {ModuleVault.CancellableIssuer} | Stop-KvPendingCertificate -Force -Wait -Timeout 60");
        var cancelled = result.Single();
        Assert.Equal("cancelled", (string)cancelled.Status);
        Assert.True((bool)cancelled.CancellationRequested);
    }

    [Fact]
    public void Scenario05_GetAfterRemovalIsObjectNotFoundNotSilence()
    {
        var name = NewName("s05");
        Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s05' | Remove-KvPendingCertificate -Force").AssertNoErrors();
        var result = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}; 'still running'");
        var error = result.SingleError();
        Assert.Equal("PendingCertificateNotFound,KvCertPending.Commands.GetKvPendingCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(name, error.TargetObject);
        var exception = Assert.IsAssignableFrom<Exception>(error.Exception);
        Assert.Contains("PendingCertificateNotFound", exception.Message, StringComparison.Ordinal);
        Assert.Equal("still running", Assert.Single(result.Output).BaseObject);
    }

    [Fact]
    public void Scenario06_CreateWhileInProgressIsResourceExistsWithAdviceAndChangesNothing()
    {
        var name = NewName("s06");
        var first = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s06' -IssuerName {ModuleVault.SlowIssuer}").Single();
        var second = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s06-again'");
        var error = second.SingleError();
        Assert.Equal("PendingCertificateInProgress,KvCertPending.Commands.NewKvCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal(name, error.TargetObject);
        Assert.Contains("Merge-KvCertificate", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
        Assert.Contains("Remove-KvPendingCertificate", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
        Assert.Contains("inProgress", error.Exception.Message, StringComparison.OrdinalIgnoreCase);

        var still = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single();
        Assert.Equal((string)first.RequestId, (string)still.RequestId);
    }

    [Fact]
    public void Scenario06_CreateOverAFinishedRequestReplacesIt()
    {
        var name = NewName("s06b");
        var first = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s06b' -IssuerName {ModuleVault.FailingIssuer} -Wait").Single();
        Assert.Equal("failed", (string)first.Status);
        var second = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s06b' -IssuerName Unknown").Single();
        Assert.Equal("inProgress", (string)second.Status);
        Assert.NotEqual((string)first.RequestId, (string)second.RequestId);
    }

    [Fact]
    public async Task Scenario07_MergeWhileIssuerInProgressIsForbiddenThenAllowedOnceCancelled()
    {
        var name = NewName("s07");
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s07' -IssuerName {ModuleVault.CancellableIssuer}").Single();
        Ps.SetVariable("x5c", await Vault.SignAsync((byte[])created.Csr));

        var forbidden = Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c");
        var error = forbidden.SingleError();
        Assert.Equal("MergeForbiddenWhileIssuerInProgress,KvCertPending.Commands.MergeKvCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Equal(name, error.TargetObject);
        Assert.Contains("Stop-KvPendingCertificate", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);

        Ps.Run($"Stop-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Force -Wait").Single();
        var merged = Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c").Single();
        Assert.Equal("CN=s07", (string)merged.Subject);
    }

    [Fact]
    public void Scenario08_StopRequestsCancellationAndAFinishedRequestRefusesIt()
    {
        var name = NewName("s08");
        Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s08' -IssuerName {ModuleVault.SlowIssuer}").Single();
        var stopped = Ps.Run($"Stop-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Confirm:$false").Single();
        Assert.True((bool)stopped.CancellationRequested);

        var done = NewName("s08d");
        Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {done} -Subject 'CN=s08d' -IssuerName {ModuleVault.QuickIssuer} -Wait").Single();
        var refused = Ps.Run($"Stop-KvPendingCertificate -VaultUri $VaultUri -Name {done} -Force");
        var error = refused.SingleError();
        Assert.Equal("CancellationNotAllowed,KvCertPending.Commands.StopKvPendingCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Equal(done, error.TargetObject);
        Assert.Contains("already finished", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scenario09_RemovePassThruEmitsTheRemovedObject()
    {
        var name = NewName("s09");
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s09'").Single();
        var removed = Ps.Run($"Remove-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Force -PassThru").Single();
        Assert.Equal(name, (string)removed.Name);
        Assert.Equal((string)created.RequestId, (string)removed.RequestId);
        var gone = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").SingleError();
        Assert.Equal(ErrorCategory.ObjectNotFound, gone.CategoryInfo.Category);

        var quiet = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s09' | Remove-KvPendingCertificate -Force");
        quiet.AssertNoErrors();
        Assert.Empty(quiet.Output);
    }

    [Fact]
    public void Scenario10_ManualCreateSaysToMerge()
    {
        var name = NewName("s10");
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -DnsName s10.example, www.s10.example").Single();
        Assert.Equal("inProgress", (string)created.Status);
        Assert.Equal("Unknown", (string)created.IssuerName);
        Assert.Contains("Merge", (string)created.StatusDetails, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Scenario11_ManualCreateThenMergeCompletesTheCertificate()
    {
        var name = NewName("s11");
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=manual.example' -IssuerName Unknown").Single();
        Ps.SetVariable("x5c", await Vault.SignAsync((byte[])created.Csr));
        var merged = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name} | Merge-KvCertificate -X5c $x5c").Single();
        Assert.Equal(name, (string)merged.Name);
        Assert.Equal("CN=manual.example", (string)merged.Subject);
        Assert.Matches("^[0-9a-f]{32}$", (string)merged.Version);
        Assert.True((bool)merged.Enabled);
        Assert.NotNull(merged.Thumbprint);

        var after = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single();
        Assert.Equal("completed", (string)after.Status);
    }
}
