#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Stop-KvPendingCertificate against a local vault: cancellation requested, honoured (-Wait), -WhatIf, finished requests.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    Initialize-KvTestSession -Vault $vault
    $VaultUri = $vault.VaultUri
    New-KvTestIssuer -Vault $vault -Name 'pester-slow' -DelaySeconds 600 -Outcome issue -HonourCancellation $true
    New-KvTestIssuer -Vault $vault -Name 'pester-soon' -DelaySeconds 1 -Outcome issue -HonourCancellation $true
    New-KvTestIssuer -Vault $vault -Name 'pester-stubborn' -DelaySeconds 1 -Outcome issue -HonourCancellation $false
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'Stop-KvPendingCertificate' {
    It 'requests cancellation and emits the new state' {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'stop-one' -Subject 'CN=stop-one' -IssuerName 'pester-slow'
        $stopped = Stop-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-one' -Force

        $stopped.CancellationRequested | Should -BeTrue
        $stopped.Status | Should -Be 'inProgress'
        $stopped.RequestId | Should -Be $pending.RequestId
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-one').CancellationRequested | Should -BeTrue
    }

    It 'changes nothing with -WhatIf' {
        New-KvCertificate -VaultUri $VaultUri -Name 'stop-whatif' -Subject 'CN=stop-whatif' -IssuerName 'pester-slow' | Out-Null
        Stop-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-whatif' -WhatIf | Should -BeNullOrEmpty
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-whatif').CancellationRequested | Should -BeFalse
    }

    It 'with an issuer that <Case>, -Wait ends <Expected>' -ForEach @(
        @{ Case = 'honours cancellations'; Issuer = 'pester-soon'; Expected = 'cancelled' }
        @{ Case = 'ignores cancellations'; Issuer = 'pester-stubborn'; Expected = 'completed' }
    ) {
        $name = "stop-$Issuer"
        $final = New-KvCertificate -VaultUri $VaultUri -Name $name -Subject "CN=$name" -IssuerName $Issuer |
            Stop-KvPendingCertificate -Force -Wait -Timeout 60
        $final.Status | Should -Be $Expected
        $final.CancellationRequested | Should -BeTrue
    }

    It 'refuses to cancel a finished request with CancellationNotAllowed' {
        New-KvCertificate -VaultUri $VaultUri -Name 'stop-done' -Subject 'CN=stop-done' -IssuerName Self -Wait -Timeout 60 | Out-Null
        $failure = { Stop-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-done' -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'CancellationNotAllowed*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidOperation'
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-done').CancellationRequested | Should -BeFalse
    }

    It 'goes on with the next piped request after one fails' {
        New-KvCertificate -VaultUri $VaultUri -Name 'stop-next' -Subject 'CN=stop-next' -IssuerName 'pester-slow' | Out-Null
        $stopped = @(
            [pscustomobject]@{ VaultUri = $VaultUri; Name = 'stop-done' }
            [pscustomobject]@{ VaultUri = $VaultUri; Name = 'stop-next' }
        ) | Stop-KvPendingCertificate -Force -ErrorVariable problems -ErrorAction SilentlyContinue
        $stopped.Name | Should -Be 'stop-next'
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'CancellationNotAllowed*'
    }
}
