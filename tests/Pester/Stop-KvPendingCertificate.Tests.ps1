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
    New-KvTestIssuer -Vault $vault -Name 'pester-stubborn-slow' -DelaySeconds 600 -Outcome issue -HonourCancellation $false
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'Stop-KvPendingCertificate' {
    It 'requests cancellation and emits the new state' {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'stop-one' -Subject 'CN=stop-one' -IssuerName 'pester-stubborn-slow'
        $stopped = Stop-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-one' -Force

        $stopped.CancellationRequested | Should -BeTrue
        $stopped.Status | Should -Be 'inProgress'
        $stopped.RequestId | Should -Be $pending.RequestId
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-one').CancellationRequested | Should -BeTrue
    }

    It 'changes nothing with -WhatIf, also with -Force, and says what it would do' {
        New-KvCertificate -VaultUri $VaultUri -Name 'stop-whatif' -Subject 'CN=stop-whatif' -IssuerName 'pester-slow' | Out-Null
        $lines = Get-KvTestWhatIf {
            Stop-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-whatif' -WhatIf
            Stop-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-whatif' -WhatIf -Force
        }
        $lines | Should -HaveCount 2
        $lines | Should -BeLike "What if: *Request cancellation* on target ""'stop-whatif' in $VaultUri""."
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-whatif').CancellationRequested | Should -BeFalse
    }

    It 'requests cancellation with -Confirm:$false' {
        New-KvCertificate -VaultUri $VaultUri -Name 'stop-confirm' -Subject 'CN=stop-confirm' -IssuerName 'pester-stubborn-slow' | Out-Null
        (Stop-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-confirm' -Confirm:$false).CancellationRequested | Should -BeTrue
        $read = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-confirm'
        $read.CancellationRequested | Should -BeTrue
        $read.Status | Should -BeExactly 'inProgress'
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
            Should -Throw -ErrorId 'CancellationNotAllowed,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $failure.TargetObject | Should -Be 'stop-done'
        $failure.Exception.Status | Should -BeIn @(400, 403)
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
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'CancellationNotAllowed,*'
        $problems[0].TargetObject | Should -Be 'stop-done'
    }

    It 'reports a name without a pending object as PendingCertificateNotFound' {
        $failure = { Stop-KvPendingCertificate -VaultUri $VaultUri -Name 'stop-never-made' -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'PendingCertificateNotFound,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failure.TargetObject | Should -Be 'stop-never-made'
    }

    It 'refuses a name with <Case> with CertificateNameInvalid' -ForEach @(
        @{ Case = 'a dot'; Name = 'bad.name' }
        @{ Case = 'a trailing newline'; Name = "trailing-newline`n" }
    ) {
        $failure = { Stop-KvPendingCertificate -VaultUri $VaultUri -Name $Name -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertificateNameInvalid,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.TargetObject | Should -Be $Name
    }

    It 'times out -Wait with PendingCertificateWaitTimeout when the issuer never answers' {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'stop-timeout' -Subject 'CN=stop-timeout' -IssuerName 'pester-stubborn-slow'
        $final = $pending | Stop-KvPendingCertificate -Force -Wait -Timeout 1 -ErrorVariable problems -ErrorAction SilentlyContinue
        $final | Should -BeNullOrEmpty
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PendingCertificateWaitTimeout,*'
        $problems[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $problems[0].TargetObject.Status | Should -BeExactly 'inProgress'
        $problems[0].TargetObject.CancellationRequested | Should -BeTrue
    }
}
