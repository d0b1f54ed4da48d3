#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Get-KvPendingCertificate against a local vault: by name, wildcards, the vault-wide listing, -RequestId, -CsrPath, -Wait, not found.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    Initialize-KvTestSession -Vault $vault
    $VaultUri = $vault.VaultUri
    New-KvTestIssuer -Vault $vault -Name 'pester-ok' -DelaySeconds 1 -Outcome issue
    New-KvTestIssuer -Vault $vault -Name 'pester-fail' -DelaySeconds 0.2 -Outcome fail
    $manual = foreach ($name in 'get-web1', 'get-web2', 'get-api') {
        New-KvCertificate -VaultUri $VaultUri -Name $name -Subject "CN=$name.contoso.com" -IssuerName Unknown
    }
    $failed = New-KvCertificate -VaultUri $VaultUri -Name 'get-failed' -Subject 'CN=failed' -IssuerName 'pester-fail'
    Wait-KvTestStatus -VaultUri $VaultUri -Name 'get-failed' -Status 'failed' | Out-Null
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'Get-KvPendingCertificate' {
    It 'gets <Name> by name with its request id' -ForEach @(
        @{ Name = 'get-web1'; Index = 0 }
        @{ Name = 'get-api'; Index = 2 }
    ) {
        $pending = Get-KvPendingCertificate -VaultUri $VaultUri -Name $Name
        $pending.Name | Should -Be $Name
        $pending.RequestId | Should -Be $manual[$Index].RequestId
        $pending.Status | Should -Be 'inProgress'
    }

    It 'matches names with wildcards' {
        $names = (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'get-web*').Name
        $names | Should -Be @('get-web1', 'get-web2')
    }

    It 'lists every pending request in the vault in name order' {
        $all = Get-KvPendingCertificate -VaultUri $VaultUri
        $all.Name | Should -Be @('get-api', 'get-failed', 'get-web1', 'get-web2')
        ($all | Where-Object Name -eq 'get-failed').Status | Should -Be 'failed'
        ($all | Where-Object Name -eq 'get-failed').ErrorCode | Should -Not -BeNullOrEmpty
    }

    It 'reports a name without a pending object as ObjectNotFound and goes on' {
        # Objects with VaultUri and Name bind by property name; the first has no pending object.
        $found = @(
            [pscustomobject]@{ VaultUri = $VaultUri; Name = 'get-missing' }
            [pscustomobject]@{ VaultUri = $VaultUri; Name = 'get-web2' }
        ) | Get-KvPendingCertificate -ErrorVariable problems -ErrorAction SilentlyContinue
        $found.Name | Should -Be 'get-web2'
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PendingCertificateNotFound*'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].TargetObject | Should -Not -BeNullOrEmpty
    }

    It 'treats -RequestId as a filter: another request id is not found' {
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'get-web1' -RequestId $manual[0].RequestId).Name | Should -Be 'get-web1'
        { Get-KvPendingCertificate -VaultUri $VaultUri -Name 'get-web1' -RequestId ('0' * 32) -ErrorAction Stop } |
            Should -Throw -ErrorId 'PendingCertificateNotFound*'
    }

    It 'writes the CSR as PEM with -CsrPath' {
        $path = Join-Path $TestDrive 'get-web1.csr'
        $pending = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'get-web1' -CsrPath $path
        $text = Get-Content -Path $path -Raw
        $text | Should -Match '^-----BEGIN CERTIFICATE REQUEST-----'
        $text.Trim() | Should -Be $pending.CsrPem.Trim()
    }

    It 'waits with -Wait until an issuer completes the request' {
        New-KvCertificate -VaultUri $VaultUri -Name 'get-wait' -Subject 'CN=wait' -IssuerName 'pester-ok' | Out-Null
        $final = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'get-wait' -Wait -Timeout 60
        $final.Status | Should -Be 'completed'
        $final.Target | Should -Not -BeNullOrEmpty
    }

    It 'binds a piped pending object by property name' {
        $again = $manual[1] | Get-KvPendingCertificate
        $again.Name | Should -Be 'get-web2'
        $again.RequestId | Should -Be $manual[1].RequestId
    }
}
