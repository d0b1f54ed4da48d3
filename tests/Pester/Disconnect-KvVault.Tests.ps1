#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Disconnect-KvVault: after it, the cmdlets need a vault again.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    Initialize-KvTestSession -Vault $vault -Connect
    $VaultUri = $vault.VaultUri
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'Disconnect-KvVault' {
    It 'forgets the connection: a cmdlet without a vault writes VaultNotSpecified' {
        Connect-KvVault -VaultUri $VaultUri | Out-Null
        @(Get-KvPendingCertificate) | Should -HaveCount 0
        Disconnect-KvVault | Should -BeNullOrEmpty
        $failure = { Get-KvPendingCertificate -ErrorAction Stop } | Should -Throw -ErrorId 'VaultNotSpecified,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'leaves explicit parameters working' {
        Disconnect-KvVault
        New-KvCertificate -VaultUri $VaultUri -Name 'disconnect-web' -Subject 'CN=disconnect-web' | Out-Null
        (Get-KvPendingCertificate -VaultUri $VaultUri).Name | Should -Be 'disconnect-web'
    }

    It 'says when there was nothing to forget, and does not fail' {
        Disconnect-KvVault
        $verbose = Disconnect-KvVault -Verbose 4>&1
        "$verbose" | Should -Match 'Not connected'
    }
}
