using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>-WhatIf changes nothing; -Confirm:$false and -Force go ahead.</summary>
public sealed class ShouldProcessTests : IClassFixture<ModuleVault>, IDisposable
{
    private readonly PsSession _ps;

    public ShouldProcessTests(ModuleVault vault) => _ps = vault.OpenSession();

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void NewWhatIfCreatesNothing()
    {
        var name = LifecycleTests.NewName("whatif");
        var result = _ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=w' -WhatIf");
        result.AssertNoErrors();
        Assert.Empty(result.Output);
        Assert.Single(_ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Errors);
    }

    [Fact]
    public void StopWhatIfEvenWithForceRequestsNothing()
    {
        var name = LifecycleTests.NewName("stopwhatif");
        _ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s' -IssuerName {ModuleVault.SlowIssuer}").Single();
        var result = _ps.Run($"Stop-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Force -WhatIf");
        result.AssertNoErrors();
        Assert.Empty(result.Output);
        Assert.False((bool)_ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single().CancellationRequested);
    }

    [Fact]
    public void RemoveWhatIfKeepsItAndConfirmFalseRemovesIt()
    {
        var name = LifecycleTests.NewName("rmwhatif");
        _ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=r'").Single();
        var whatIf = _ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name} | Remove-KvPendingCertificate -WhatIf -PassThru");
        whatIf.AssertNoErrors();
        Assert.Empty(whatIf.Output);
        _ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single();

        var confirmed = _ps.Run($"Remove-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Confirm:$false -PassThru");
        Assert.Equal(name, (string)confirmed.Single().Name);
        Assert.Single(_ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Errors);
    }

    [Fact]
    public void WhatIfPreferenceIsHonouredDespiteForce()
    {
        var name = LifecycleTests.NewName("pref");
        _ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=p'").Single();
        _ps.Run($"$WhatIfPreference = $true; Remove-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Force; $WhatIfPreference = $false").AssertNoErrors();
        _ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single();
    }
}
