using System.Management.Automation;
using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>
/// The pipelines of issue 3, each in a vault of its own (the vault-wide listing sees only this class's requests),
/// and a failure on one piped item not stopping the others.
/// </summary>
public sealed class PipelineTests : ModuleTest
{

    public PipelineTests(ModuleVault vault)
        : base(vault)
    {
    }

    [Fact]
    public async Task VaultWideGetPipedIntoMergeCompletesTheMatchingRequestAndReportsTheOthers()
    {
        // Its own vault: the listing below sees exactly these requests.
        await using var own = new ModuleVault();
        await own.InitializeAsync();
        using var ps = own.OpenSession();
        var target = ps.Run("New-KvCertificate -VaultUri $VaultUri -Name web-a -Subject 'CN=web-a'").Single();
        ps.Run("New-KvCertificate -VaultUri $VaultUri -Name web-b -Subject 'CN=web-b'").Single();
        var files = Chains.TempDirectory();
        try
        {
            var signed = Chains.WritePemRootFirst(files, await own.SignAsync((byte[])target.Csr));
            var result = ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri | Merge-KvCertificate -Path '{signed}'");
            var merged = Assert.Single(result.Output);
            Assert.Equal("web-a", merged.Properties["Name"].Value);
            var error = result.SingleError();
            Assert.Equal("CertificateKeyMismatch,KvCertPending.Commands.MergeKvCertificateCommand", error.FullyQualifiedErrorId);
            Assert.Equal("web-b", error.TargetObject);
            Assert.Equal("inProgress", (string)ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name web-b").Single().Status);
        }
        finally
        {
            Directory.Delete(files, recursive: true);
        }
    }

    [Fact]
    public void NewPipedIntoStopRequestsCancellation()
    {
        var name = NewName("newstop");
        var stopped = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=x' -IssuerName {ModuleVault.SlowIssuer} | Stop-KvPendingCertificate -Confirm:$false").Single();
        Assert.Equal(name, (string)stopped.Name);
        Assert.True((bool)stopped.CancellationRequested);
        Assert.Equal("inProgress", (string)stopped.Status);
    }

    [Fact]
    public async Task VaultWideGetWhereFailedPipedIntoRemoveRemovesOnlyTheFailed()
    {
        await using var own = new ModuleVault();
        await own.InitializeAsync();
        using var ps = own.OpenSession();
        ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name bad-1 -Subject 'CN=b1' -IssuerName {ModuleVault.FailingIssuer} -Wait").Single();
        ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name bad-2 -Subject 'CN=b2' -IssuerName {ModuleVault.RejectingIssuer} -Wait").Single();
        ps.Run("New-KvCertificate -VaultUri $VaultUri -Name good-1 -Subject 'CN=g1'").Single();

        var removed = ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri | Where-Object Status -eq failed | Remove-KvPendingCertificate -Force -PassThru");
        removed.AssertNoErrors();
        Assert.Equal(["bad-1", "bad-2"], removed.Output.Select(o => (string)o.Properties["Name"].Value));

        var left = ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri");
        Assert.Equal(["good-1"], left.Output.Select(o => (string)o.Properties["Name"].Value));
    }

    [Fact]
    public void AFailureOnOnePipedItemDoesNotStopTheOthers()
    {
        var first = NewName("each");
        var last = NewName("each");
        Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {first} -Subject 'CN=a'").Single();
        Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {last} -Subject 'CN=c'").Single();

        var got = Ps.Run($"'{first}', 'missing-one', 'bad_name!', '{last}' | ForEach-Object {{ [pscustomobject]@{{ VaultUri = $VaultUri; Name = $_ }} }} | Get-KvPendingCertificate");
        Assert.True(got.Output.Count == 2, string.Join(" | ", got.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        Assert.Equal([first, last], got.Output.Select(o => (string)o.Properties["Name"].Value));
        Assert.Equal(["PendingCertificateNotFound", "CertificateNameInvalid"], got.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));

        var removed = Ps.Run($"'{first}', 'missing-one', '{last}' | ForEach-Object {{ [pscustomobject]@{{ VaultUri = $VaultUri; Name = $_ }} }} | Remove-KvPendingCertificate -Force -PassThru");
        Assert.Equal([first, last], removed.Output.Select(o => (string)o.Properties["Name"].Value));
        var error = removed.SingleError();
        Assert.Equal("PendingCertificateNotFound,KvCertPending.Commands.RemoveKvPendingCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Equal("missing-one", error.TargetObject);
    }

    [Fact]
    public void WildcardNameSelectsAmongTheVaultsCertificates()
    {
        var stem = "wild" + Guid.NewGuid().ToString("N")[..6];
        Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {stem}-b -Subject 'CN=b'; New-KvCertificate -VaultUri $VaultUri -Name {stem}-a -Subject 'CN=a'").AssertNoErrors();
        var got = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name '{stem}-*'");
        got.AssertNoErrors();
        Assert.Equal([stem + "-a", stem + "-b"], got.Output.Select(o => (string)o.Properties["Name"].Value));
        var none = Ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name 'nothing-matches-*'");
        none.AssertNoErrors();
        Assert.Empty(none.Output);
    }

    [Fact]
    public void CsrPathWritesPemToAFileOrOneFilePerCertificateInAFolder()
    {
        var folder = Chains.TempDirectory();
        try
        {
            var name = NewName("csr");
            var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=csr'").Single();
            var file = Path.Combine(folder, "request.csr");
            Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name} -CsrPath '{file}'").Single();
            var pem = File.ReadAllText(file);
            Assert.StartsWith("-----BEGIN CERTIFICATE REQUEST-----", pem);
            var request = System.Security.Cryptography.X509Certificates.CertificateRequest.LoadSigningRequestPem(pem, System.Security.Cryptography.HashAlgorithmName.SHA256);
            Assert.Equal("CN=csr", request.SubjectName.Name);
            var body = string.Concat(pem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)));
            Assert.Equal((byte[])created.Csr, Convert.FromBase64String(body));
            Assert.Equal(created.CsrPem, pem);

            var stem = "csrdir" + Guid.NewGuid().ToString("N")[..6];
            Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {stem}-1 -Subject 'CN=1'; New-KvCertificate -VaultUri $VaultUri -Name {stem}-2 -Subject 'CN=2'").AssertNoErrors();
            var both = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name '{stem}-*' -CsrPath '{folder}'");
            both.AssertNoErrors();
            Assert.True(File.Exists(Path.Combine(folder, stem + "-1.csr")));
            Assert.True(File.Exists(Path.Combine(folder, stem + "-2.csr")));

            var clash = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name '{stem}-*' -CsrPath '{Path.Combine(folder, "one.csr")}'");
            Assert.Single(clash.Output);
            var error = clash.SingleError();
            Assert.Equal("CsrPathAmbiguous,KvCertPending.Commands.GetKvPendingCertificateCommand", error.FullyQualifiedErrorId);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void InputObjectRereadsTheSameRequest()
    {
        var name = NewName("reread");
        var result = Ps.Run($"$p = New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=r'; Get-KvPendingCertificate -InputObject $p; $p | Get-KvPendingCertificate");
        result.AssertNoErrors();
        Assert.Equal(2, result.Output.Count);
        Assert.All(result.Output, o => Assert.Equal(result.Output[0].Properties["RequestId"].Value, o.Properties["RequestId"].Value));
    }
}
