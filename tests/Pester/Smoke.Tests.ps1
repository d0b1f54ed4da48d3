#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# A quick smoke test of the built module against a local vault (seconds). Install.Tests.ps1 runs it through
# build.ps1 -Task Test -PesterPath in a copy of the repository; it is also a fast first check on its own.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    Initialize-KvTestSession -Vault $vault
    $VaultUri = $vault.VaultUri
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'The built module' -Tag Smoke {
    It 'is the one in out/ of this repository, at the version of Directory.Build.props' {
        $root = Get-KvTestRepositoryRoot
        $version = ([xml](Get-Content -Raw (Join-Path $root 'Directory.Build.props'))).Project.PropertyGroup.VersionPrefix |
            Where-Object { $_ } | Select-Object -First 1
        $module = Get-Module KvCertPending
        $module.ModuleBase | Should -Be (Join-Path $root 'out/KvCertPending')
        $module.Version | Should -Be ([version]$version)
    }

    It 'creates a self-signed certificate and waits for it' {
        $final = New-KvCertificate -VaultUri $VaultUri -Name 'smoke-self' -Subject 'CN=smoke' -IssuerName Self -Wait -Timeout 60
        $final.Status | Should -Be 'completed'
        $final.Target | Should -Be ([Uri]::new([Uri]$VaultUri, 'certificates/smoke-self'))
    }
}
