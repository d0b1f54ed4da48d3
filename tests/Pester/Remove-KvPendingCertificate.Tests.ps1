#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Remove-KvPendingCertificate against a local vault: -Force, -PassThru, -WhatIf, pipelines.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    Initialize-KvTestSession -Vault $vault
    $VaultUri = $vault.VaultUri
    New-KvTestIssuer -Vault $vault -Name 'pester-fail' -DelaySeconds 0.2 -Outcome fail
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'Remove-KvPendingCertificate' {
    BeforeEach {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'remove-me' -Subject 'CN=remove-me' -IssuerName Unknown
    }

    It 'removes a pending request with -Force and emits nothing' {
        Remove-KvPendingCertificate -VaultUri $VaultUri -Name 'remove-me' -Force | Should -BeNullOrEmpty
        { Get-KvPendingCertificate -VaultUri $VaultUri -Name 'remove-me' -ErrorAction Stop } | Should -Throw -ErrorId 'PendingCertificateNotFound*'
    }

    It 'emits the removed request with -PassThru' {
        $removed = $pending | Remove-KvPendingCertificate -Force -PassThru
        $removed.Name | Should -Be 'remove-me'
        $removed.RequestId | Should -Be $pending.RequestId
    }

    It 'keeps the request with -WhatIf' {
        Remove-KvPendingCertificate -VaultUri $VaultUri -Name 'remove-me' -WhatIf
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'remove-me').RequestId | Should -Be $pending.RequestId
        Remove-KvPendingCertificate -VaultUri $VaultUri -Name 'remove-me' -Confirm:$false
    }

    It 'removes only the failed requests of a listing' {
        foreach ($name in 'remove-failed1', 'remove-failed2') {
            New-KvCertificate -VaultUri $VaultUri -Name $name -Subject "CN=$name" -IssuerName 'pester-fail' | Out-Null
            Wait-KvTestStatus -VaultUri $VaultUri -Name $name -Status 'failed' | Out-Null
        }

        $removed = Get-KvPendingCertificate -VaultUri $VaultUri | Where-Object Status -eq 'failed' | Remove-KvPendingCertificate -Force -PassThru
        $removed.Name | Should -Be @('remove-failed1', 'remove-failed2')
        (Get-KvPendingCertificate -VaultUri $VaultUri).Name | Should -Be @('remove-me')
        Remove-KvPendingCertificate -VaultUri $VaultUri -Name 'remove-me' -Force
    }

    It 'reports a missing pending object as ObjectNotFound' -ForEach @(
        @{ Name = 'remove-never-made' }
    ) {
        Remove-KvPendingCertificate -VaultUri $VaultUri -Name 'remove-me' -Force
        { Remove-KvPendingCertificate -VaultUri $VaultUri -Name $Name -Force -ErrorAction Stop } | Should -Throw -ErrorId 'PendingCertificateNotFound*'
    }
}
