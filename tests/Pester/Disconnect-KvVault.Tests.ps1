#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Disconnect-KvVault: after it, the cmdlets need a vault again.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    Initialize-KvTestSession -Vault $vault
    $VaultUri = $vault.VaultUri
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'Disconnect-KvVault' {
    It 'forgets the connection: a cmdlet without a vault writes VaultNotSpecified' {
        Connect-KvVault -VaultUri $VaultUri | Out-Null
        Disconnect-KvVault | Should -BeNullOrEmpty
        { Get-KvPendingCertificate -ErrorAction Stop } | Should -Throw -ErrorId 'VaultNotSpecified*'
    }

    It 'leaves explicit parameters working' {
        Disconnect-KvVault
        @(Get-KvPendingCertificate -VaultUri $VaultUri) | Should -HaveCount 0
    }
}
