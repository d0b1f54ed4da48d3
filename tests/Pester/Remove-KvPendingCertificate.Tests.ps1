#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Remove-KvPendingCertificate against a local vault: -Force, -Confirm:$false, -PassThru, -WhatIf, pipelines, errors.
# Every test works on names of its own, so one failing test leaves nothing in the way of the next.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    Initialize-KvTestSession -Vault $vault
    $VaultUri = $vault.VaultUri
    New-KvTestIssuer -Vault $vault -Name 'pester-fail' -DelaySeconds 0.2 -Outcome fail
    New-KvTestIssuer -Vault $vault -Name 'pester-slow' -DelaySeconds 600 -Outcome issue -HonourCancellation $false

    function New-Manual([string] $Name) { New-KvCertificate -VaultUri $VaultUri -Name $Name -Subject "CN=$Name" -IssuerName Unknown }
    function Assert-Gone([string] $Name) {
        { Get-KvPendingCertificate -VaultUri $VaultUri -Name $Name -ErrorAction Stop } | Should -Throw -ErrorId 'PendingCertificateNotFound,*'
    }
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'Remove-KvPendingCertificate' {
    It 'removes a pending request with <Switch> and emits nothing' -ForEach @(
        @{ Switch = '-Force'; Parameters = @{ Force = $true } }
        @{ Switch = '-Confirm:$false'; Parameters = @{ Confirm = $false } }
    ) {
        $name = 'remove-' + ($Switch -replace '[^a-zA-Z]', '').ToLowerInvariant()
        New-Manual $name | Out-Null
        Remove-KvPendingCertificate -VaultUri $VaultUri -Name $name @Parameters | Should -BeNullOrEmpty
        Assert-Gone $name
    }

    It 'emits the removed request as it was with -PassThru' {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'remove-passthru' -Subject 'CN=remove-passthru' -IssuerName 'pester-slow'
        $removed = $pending | Remove-KvPendingCertificate -Force -PassThru
        $removed.Name | Should -Be 'remove-passthru'
        $removed.RequestId | Should -Be $pending.RequestId
        $removed.Status | Should -BeExactly 'inProgress'
        $removed.IssuerName | Should -Be 'pester-slow'
        $removed.VaultUri | Should -Be ([Uri]$VaultUri)
        Assert-Gone 'remove-passthru'
    }

    It 'keeps the request with -WhatIf, also with -Force, and says what it would do' {
        $pending = New-Manual 'remove-whatif'
        $lines = Get-KvTestWhatIf {
            Remove-KvPendingCertificate -VaultUri $VaultUri -Name 'remove-whatif' -WhatIf
            Remove-KvPendingCertificate -VaultUri $VaultUri -Name 'remove-whatif' -WhatIf -Force -PassThru
        }
        $lines | Should -HaveCount 2
        $lines | Should -BeLike "What if: *Remove the pending certificate request* on target ""'remove-whatif' in $VaultUri""."
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'remove-whatif').RequestId | Should -Be $pending.RequestId
    }

    It 'removes only the failed requests of a listing' {
        New-Manual 'remove-keep' | Out-Null
        foreach ($name in 'remove-failed1', 'remove-failed2') {
            New-KvCertificate -VaultUri $VaultUri -Name $name -Subject "CN=$name" -IssuerName 'pester-fail' | Out-Null
        }
        foreach ($name in 'remove-failed1', 'remove-failed2') { Wait-KvTestStatus -VaultUri $VaultUri -Name $name -Status 'failed' | Out-Null }

        $removed = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'remove-*' | Where-Object Status -eq 'failed' | Remove-KvPendingCertificate -Force -PassThru
        $removed.Name | Should -Be @('remove-failed1', 'remove-failed2')
        $removed.Status | Should -Be @('failed', 'failed')
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'remove-*').Name | Should -Contain 'remove-keep'
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'remove-failed*') | Should -BeNullOrEmpty
    }

    It 'keeps the certificate (disabled, no pending link) when its pending object is removed' {
        New-Manual 'remove-keeps-cert' | Remove-KvPendingCertificate -Force
        $bundle = Invoke-KvTestVaultRequest -Vault $vault -Method Get -Path 'certificates/remove-keeps-cert?api-version=7.5'
        $bundle.attributes.enabled | Should -BeFalse
        $bundle.PSObject.Properties.Name | Should -Not -Contain 'pending'
    }

    It 'reports a missing pending object as ObjectNotFound with the name as target, and goes on with the next' {
        New-Manual 'remove-next' | Out-Null
        $removed = @(
            [pscustomobject]@{ VaultUri = $VaultUri; Name = 'remove-never-made' }
            [pscustomobject]@{ VaultUri = $VaultUri; Name = 'remove-next' }
        ) | Remove-KvPendingCertificate -Force -PassThru -ErrorVariable problems -ErrorAction SilentlyContinue
        $removed.Name | Should -Be 'remove-next'
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PendingCertificateNotFound,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].TargetObject | Should -Be 'remove-never-made'
        $problems[0].Exception.Status | Should -Be 404
    }

    It 'refuses the invalid name <Name> with CertificateNameInvalid before calling the vault' -ForEach @(
        @{ Name = 'has space' }
        @{ Name = 'under_score' }
        @{ Name = ('x' * 128) }
    ) {
        $failure = { Remove-KvPendingCertificate -VaultUri $VaultUri -Name $Name -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertificateNameInvalid,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.TargetObject | Should -Be $Name
    }

    It 'refuses a vault URI that is not https with VaultUriInvalid' {
        $failure = { Remove-KvPendingCertificate -VaultUri ($VaultUri -replace '^https', 'http') -Name 'remove-x' -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'VaultUriInvalid,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}
