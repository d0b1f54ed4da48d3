using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>Merge-KvCertificate: every chain shape, the checks made before sending, and its errors.</summary>
public sealed class MergeTests : ModuleTest
{
    private readonly string _files = Chains.TempDirectory();

    public MergeTests(ModuleVault vault)
        : base(vault)
    {
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Directory.Delete(_files, recursive: true);
    }

    private async Task<(string Name, string RequestId, string[] X5c)> NewManualAsync(string prefix)
    {
        var name = NewName(prefix);
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}'").Single();
        return (name, (string)created.RequestId, await Vault.SignAsync((byte[])created.Csr));
    }

    private void AssertCompleted(string name, PsResult merge)
    {
        var merged = merge.Single();
        Assert.Equal(name, (string)merged.Name);
        Assert.Equal("CN=" + name, (string)merged.Subject);
        Assert.Equal("completed", (string)Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single().Status);
    }

    [Fact]
    public async Task PemWithTheRootFirstIsPutLeafFirst()
    {
        var (name, _, x5c) = await NewManualAsync("pem");
        var path = Chains.WritePemRootFirst(_files, x5c);
        AssertCompleted(name, Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -Path '{path}'"));
        var stored = await Vault.Client.GetCertificateAsync(name);
        Assert.Equal(Convert.FromBase64String(x5c[0]), stored.Value.Cer);
    }

    [Fact]
    public async Task DerLeafFromLiteralPath()
    {
        var (name, _, x5c) = await NewManualAsync("der");
        var path = Chains.WriteDerLeaf(_files, x5c);
        AssertCompleted(name, Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -LiteralPath '{path}'"));
    }

    [Fact]
    public async Task Pkcs7FromWildcardPath()
    {
        var (name, _, x5c) = await NewManualAsync("p7b");
        Chains.WritePkcs7(_files, x5c);
        AssertCompleted(name, Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -Path '{_files}/*.p7b'"));
    }

    [Fact]
    public async Task CertificateObjectsAsParameter()
    {
        var (name, _, x5c) = await NewManualAsync("obj");
        Ps.SetVariable("certs", Chains.Parse(x5c));
        AssertCompleted(name, Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -Certificate $certs"));
    }

    [Fact]
    public async Task CertificateObjectsPipedFormOneChain()
    {
        var (name, _, x5c) = await NewManualAsync("pipe");
        Ps.SetVariable("certs", Chains.Parse(x5c).Reverse().ToArray());
        AssertCompleted(name, Ps.Run($"$certs | Merge-KvCertificate -VaultUri $VaultUri -Name {name}"));
    }

    [Fact]
    public async Task X5cStringsWithTagsAndDisabled()
    {
        var (name, _, x5c) = await NewManualAsync("x5c");
        Ps.SetVariable("x5c", x5c);
        var merged = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name} | Merge-KvCertificate -X5c $x5c -Tag @{{ team = 'pki' }} -Disabled").Single();
        Assert.False((bool)merged.Enabled);
        Assert.Equal("pki", (string)((System.Collections.Hashtable)merged.Tags)["team"]!);
    }

    [Fact]
    public async Task KeyMismatchIsRefusedBeforeSendingAndChangesNothing()
    {
        var (name, requestId, _) = await NewManualAsync("mismatch");
        var (_, _, otherX5c) = await NewManualAsync("other");
        Ps.SetVariable("x5c", otherX5c);
        var result = Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c");
        var error = result.SingleError();
        Assert.Equal("CertificateKeyMismatch,KvCertPending.Commands.MergeKvCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(name, error.TargetObject);
        Assert.Contains("Nothing was sent", error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(result.Output);

        var still = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single();
        Assert.Equal("inProgress", (string)still.Status);
        Assert.Equal(requestId, (string)still.RequestId);
        var certificate = await Vault.Client.GetCertificateAsync(name);
        Assert.Null(certificate.Value.Cer is { Length: > 0 } ? certificate.Value.Cer : null);
    }

    [Fact]
    public async Task ExpiredLeafIsWarnedAboutAndWhatIfSendsNothing()
    {
        var name = NewName("expired");
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=expired'").Single();
        Ps.SetVariable("expired", Chains.SignExpired((byte[])created.Csr));
        var result = Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -Certificate $expired -WhatIf");
        result.AssertNoErrors();
        Assert.Empty(result.Output);
        Assert.Contains(result.Warnings, w => w.Message.Contains("expired", StringComparison.Ordinal));
        Assert.Equal("inProgress", (string)Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single().Status);
    }

    [Theory]
    [InlineData("", "CertificateChainMissing", ErrorCategory.InvalidArgument)]
    [InlineData("-X5c 'AAAA' -Path 'x.pem'", "CertificateChainSourceConflict", ErrorCategory.InvalidArgument)]
    [InlineData("-LiteralPath 'no-such-file.pem'", "CertificateFileNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("-Path 'no-such-*.pem'", "CertificateFileNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("-X5c 'not base64!'", "CertificateChainUnreadable", ErrorCategory.InvalidData)]
    public async Task BadChainInputIsAClearErrorAndChangesNothing(string arguments, string errorId, ErrorCategory category)
    {
        var (name, requestId, _) = await NewManualAsync("bad");
        var result = Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} {arguments}");
        var error = result.SingleError();
        Assert.Equal(errorId + ",KvCertPending.Commands.MergeKvCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Equal(requestId, (string)Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single().RequestId);
    }

    [Fact]
    public async Task GarbageFileIsUnreadable()
    {
        var (name, _, _) = await NewManualAsync("garbage");
        var path = Path.Combine(_files, "garbage.pem");
        File.WriteAllText(path, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        var error = Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -Path '{path}'").SingleError();
        Assert.Equal("CertificateChainUnreadable,KvCertPending.Commands.MergeKvCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
    }

    [Fact]
    public async Task MergeWithoutPendingObjectIsObjectNotFound()
    {
        var (name, _, x5c) = await NewManualAsync("nopending");
        Ps.Run($"Remove-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Force").AssertNoErrors();
        Ps.SetVariable("x5c", x5c);
        var error = Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c").SingleError();
        Assert.Equal("PendingCertificateNotFound,KvCertPending.Commands.MergeKvCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    [Fact]
    public async Task MergingTwiceIsRefusedBeforeSending()
    {
        var (name, _, x5c) = await NewManualAsync("twice");
        Ps.SetVariable("x5c", x5c);
        Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c").Single();
        var error = Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c").SingleError();
        Assert.Equal("PendingCertificateAlreadyCompleted,KvCertPending.Commands.MergeKvCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Contains("New-KvCertificate", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
    }
}
