using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>What a user sees: the format views render, errors read as advice, Tab completes names.</summary>
public sealed class ConsoleTests : IClassFixture<ModuleVault>, IDisposable
{
    private readonly ModuleVault _vault;
    private readonly PsSession _ps;

    public ConsoleTests(ModuleVault vault)
    {
        _vault = vault;
        _ps = vault.OpenSession();
    }

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void PendingObjectsRenderThroughTheTableView()
    {
        var name = LifecycleTests.NewName("view");
        var text = _ps.Render($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=v' -IssuerName Unknown").ConsoleText;
        foreach (var header in new[] { "Name", "Status", "Issuer", "CancelRequested", "Detail" })
        {
            Assert.Contains(header, text, StringComparison.Ordinal);
        }

        Assert.Contains(name, text, StringComparison.Ordinal);
        Assert.Contains("inProgress", text, StringComparison.Ordinal);
        Assert.Contains("Vault: " + _vault.VaultUri, text, StringComparison.Ordinal);
        Assert.DoesNotContain("KvCertPending.Model.KvPendingCertificate", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompletedCertificatesRenderThroughTheirTableView()
    {
        var name = LifecycleTests.NewName("certview");
        var created = _ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=certview'").Single();
        _ps.SetVariable("x5c", await _vault.SignAsync((byte[])created.Csr));
        var text = _ps.Render($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c").ConsoleText;
        foreach (var header in new[] { "Name", "Subject", "Thumbprint", "NotAfter", "Enabled" })
        {
            Assert.Contains(header, text, StringComparison.Ordinal);
        }

        Assert.Contains("CN=certview", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TheConflictReadsAsAdvice()
    {
        var name = LifecycleTests.NewName("conflictview");
        _ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=c'").Single();
        var text = _ps.Render($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=c'").ConsoleText;
        Assert.Contains("already in progress", text, StringComparison.Ordinal);
        Assert.Contains("409", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TabCompletesCertificateNamesFromTheVault()
    {
        var stem = "tab" + Guid.NewGuid().ToString("N")[..6];
        _ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {stem}-one -Subject 'CN=1'; New-KvCertificate -VaultUri $VaultUri -Name {stem}-two -Subject 'CN=2'").AssertNoErrors();
        var line = $"Get-KvPendingCertificate -VaultUri $VaultUri -Name {stem}-";
        var result = _ps.Run($"(TabExpansion2 -inputScript '{line}' -cursorColumn {line.Length}).CompletionMatches | ForEach-Object CompletionText");
        result.AssertNoErrors();
        Assert.Equal([stem + "-one", stem + "-two"], result.Output.Select(o => o.BaseObject.ToString()));
    }
}
