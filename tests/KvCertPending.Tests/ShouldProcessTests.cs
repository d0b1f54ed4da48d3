using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>-WhatIf changes nothing; -Confirm:$false and -Force go ahead.</summary>
public sealed class ShouldProcessTests : ModuleTest
{

    public ShouldProcessTests(ModuleVault vault)
        : base(vault)
    {
    }

    [Fact]
    public void NewWhatIfCreatesNothing()
    {
        var name = NewName("whatif");
        var result = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=w' -WhatIf");
        result.AssertNoErrors();
        Assert.Empty(result.Output);
        Assert.Single(Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Errors);
    }

    [Fact]
    public void StopWhatIfEvenWithForceRequestsNothing()
    {
        var name = NewName("stopwhatif");
        Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s' -IssuerName {ModuleVault.SlowIssuer}").Single();
        var result = Ps.Run($"Stop-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Force -WhatIf");
        result.AssertNoErrors();
        Assert.Empty(result.Output);
        Assert.False((bool)Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single().CancellationRequested);
    }

    [Fact]
    public void RemoveWhatIfKeepsItAndConfirmFalseRemovesIt()
    {
        var name = NewName("rmwhatif");
        Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=r'").Single();
        var whatIf = Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name} | Remove-KvPendingCertificate -WhatIf -PassThru");
        whatIf.AssertNoErrors();
        Assert.Empty(whatIf.Output);
        Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single();

        var confirmed = Ps.Run($"Remove-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Confirm:$false -PassThru");
        Assert.Equal(name, (string)confirmed.Single().Name);
        Assert.Single(Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Errors);
    }

    [Fact]
    public void WhatIfPreferenceIsHonouredDespiteForce()
    {
        var name = NewName("pref");
        Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=p'").Single();
        Ps.Run($"$WhatIfPreference = $true; Remove-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Force; $WhatIfPreference = $false").AssertNoErrors();
        Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single();
    }

    [Fact]
    public void RemoveAsksFirstAndNoKeepsIt()
    {
        var name = NewName("prompt");
        Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=p'").Single();
        Ps.Session.Host.ScriptedChoices.Enqueue("N");
        var declined = Ps.Run($"Remove-KvPendingCertificate -VaultUri $VaultUri -Name {name} -PassThru");
        declined.AssertNoErrors();
        Assert.Empty(declined.Output);
        Assert.Empty(Ps.Session.Host.ScriptedChoices);
        Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single();

        Ps.Session.Host.ScriptedChoices.Enqueue("Y");
        Assert.Equal(name, (string)Ps.Run($"Remove-KvPendingCertificate -VaultUri $VaultUri -Name {name} -PassThru").Single().Name);
    }

    [Fact]
    public void StopDoesNotAskByDefaultButConfirmDoes()
    {
        var name = NewName("stopask");
        Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=s' -IssuerName {ModuleVault.SlowIssuer}").Single();
        Ps.Session.Host.ScriptedChoices.Enqueue("N");
        Assert.Empty(Ps.Run($"Stop-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Confirm").Output);
        Assert.Empty(Ps.Session.Host.ScriptedChoices);
        Assert.True((bool)Ps.Run($"Stop-KvPendingCertificate -VaultUri $VaultUri -Name {name}").Single().CancellationRequested);
    }
}
