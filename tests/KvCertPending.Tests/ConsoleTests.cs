using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>What a user sees: the format views render, errors read as advice, Tab completes names.</summary>
public sealed class ConsoleTests : ModuleTest
{

    public ConsoleTests(ModuleVault vault)
        : base(vault)
    {
    }

    [Fact]
    public void PendingObjectsRenderThroughTheTableView()
    {
        var name = NewName("view");
        var text = Ps.Render($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=v' -IssuerName Unknown").ConsoleText;
        foreach (var header in new[] { "Name", "Status", "Issuer", "CancelRequested", "Detail" })
        {
            Assert.Contains(header, text, StringComparison.Ordinal);
        }

        Assert.Contains(name, text, StringComparison.Ordinal);
        Assert.Contains("inProgress", text, StringComparison.Ordinal);
        Assert.Contains("Vault: " + Vault.VaultUri, text, StringComparison.Ordinal);
        Assert.DoesNotContain("KvCertPending.Model.KvPendingCertificate", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompletedCertificatesRenderThroughTheirTableView()
    {
        var name = NewName("certview");
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=certview'").Single();
        Ps.SetVariable("x5c", await Vault.SignAsync((byte[])created.Csr));
        var text = Ps.Render($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c").ConsoleText;
        foreach (var header in new[] { "Name", "Subject", "Thumbprint", "NotAfter", "Enabled" })
        {
            Assert.Contains(header, text, StringComparison.Ordinal);
        }

        Assert.Contains("CN=certview", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TheConflictReadsAsAdvice()
    {
        var name = NewName("conflictview");
        Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=c'").Single();
        var text = Ps.Render($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=c'").ConsoleText;
        Assert.Contains("already in progress", text, StringComparison.Ordinal);
        Assert.Contains("409", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TabCompletesCertificateNamesFromTheVault()
    {
        var stem = "tab" + Guid.NewGuid().ToString("N")[..6];
        Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {stem}-one -Subject 'CN=1'; New-KvCertificate -VaultUri $VaultUri -Name {stem}-two -Subject 'CN=2'").AssertNoErrors();
        var line = $"Get-KvPendingCertificate -VaultUri $VaultUri -Name {stem}-";
        var result = Ps.Run($"(TabExpansion2 -inputScript '{line}' -cursorColumn {line.Length}).CompletionMatches | ForEach-Object CompletionText");
        result.AssertNoErrors();
        Assert.Equal([stem + "-one", stem + "-two"], result.Output.Select(o => o.BaseObject.ToString()));
    }

    [Fact]
    public async Task TheTokenNeverShowsInAnyStreamOrOnTheConsole()
    {
        var name = NewName("secret");
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s' -Verbose").Single();
        Ps.SetVariable("x5c", await Vault.SignAsync((byte[])created.Csr));
        var script = $"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Verbose -Debug; " +
            $"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c -Verbose; " +
            $"New-KvCertificate -VaultUri $VaultUri -Name {name}x -Subject 'CN=s' -IssuerName no-such-issuer; " +
            "$KvCertPendingTrustedCertificate = $null; Get-KvPendingCertificate -VaultUri $VaultUri -Name x";
        foreach (var result in new[] { Ps.Run(script), Ps.Render(script) })
        {
            var everything = string.Join("\n",
                result.Output.Select(o => o.ToString())
                    .Concat(result.Errors.Select(e => e.ToString() + e.Exception + e.ErrorDetails?.RecommendedAction))
                    .Concat(result.Warnings.Select(w => w.Message))
                    .Concat(result.Verbose.Select(v => v.Message))
                    .Append(result.ConsoleText));
            Assert.DoesNotContain(KvCertPending.Hosting.ModuleSession.LocalVaultToken, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TabCompletesIssuerNames()
    {
        var line = "New-KvCertificate -VaultUri $VaultUri -Name x -IssuerName test-";
        var result = Ps.Run($"(TabExpansion2 -inputScript '{line}' -cursorColumn {line.Length}).CompletionMatches | ForEach-Object CompletionText");
        result.AssertNoErrors();
        Assert.Equal(
            [ModuleVault.CancellableIssuer, ModuleVault.FailingIssuer, ModuleVault.QuickIssuer, ModuleVault.RejectingIssuer, ModuleVault.SlowIssuer],
            result.Output.Select(o => o.BaseObject.ToString()));
        var builtIn = "New-KvCertificate -VaultUri $VaultUri -Name x -IssuerName Un";
        Assert.Equal(["Unknown"], Ps.Run($"(TabExpansion2 -inputScript '{builtIn}' -cursorColumn {builtIn.Length}).CompletionMatches | ForEach-Object CompletionText").Output.Select(o => o.BaseObject.ToString()));
    }
}
