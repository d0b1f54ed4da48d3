using System.Management.Automation;
using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>The eleven scenarios of the lifecycle, as pipelines of the module's cmdlets against the local vault.</summary>
public sealed class LifecycleTests : IClassFixture<ModuleVault>, IDisposable
{
    private readonly ModuleVault _vault;
    private readonly PsSession _ps;

    public LifecycleTests(ModuleVault vault)
    {
        _vault = vault;
        _ps = vault.OpenSession();
    }

    public void Dispose() => _ps.Dispose();

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task ManualCreateThenMergeCompletesTheCertificate()
    {
        var name = NewName("manual");
        var created = _ps.Run("New-KvCertificate -VaultUri $VaultUri -Name $args[0] -Subject 'CN=manual.example' -IssuerName Unknown", name).Single();
        Assert.Equal("inProgress", (string)created.Status);
        Assert.Equal("Unknown", (string)created.IssuerName);
        Assert.Contains("Merge", (string)created.StatusDetails, StringComparison.OrdinalIgnoreCase);
        Assert.Matches("^[0-9a-f]{32}$", (string)created.RequestId);

        var x5c = await _vault.SignAsync((byte[])created.Csr);
        _ps.SetVariable("x5c", x5c);
        var merged = _ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name $args[0] | Merge-KvCertificate -X5c $x5c", name).Single();
        Assert.Equal(name, (string)merged.Name);
        Assert.Equal("CN=manual.example", (string)merged.Subject);
        Assert.Matches("^[0-9a-f]{32}$", (string)merged.Version);

        var after = _ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name $args[0]", name).Single();
        Assert.Equal("completed", (string)after.Status);
        Assert.EndsWith("/certificates/" + name, ((Uri)after.Target).ToString());
    }
}
