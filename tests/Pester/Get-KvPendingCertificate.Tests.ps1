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
    New-KvTestIssuer -Vault $vault -Name 'pester-slow' -DelaySeconds 600 -Outcome issue -HonourCancellation $false
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
        # (Later tests add names of their own: the ones made in BeforeAll are all there, and the whole list is sorted.)
        $made = @('get-api', 'get-failed', 'get-web1', 'get-web2')
        @($all.Name | Where-Object { $_ -in $made }) | Should -Be $made
        $all.Name | Should -Be ([string[]]($all.Name | Sort-Object))
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
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PendingCertificateNotFound,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].TargetObject | Should -Be 'get-missing'
    }

    It 'treats -RequestId as a filter: another request id is not found' {
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'get-web1' -RequestId $manual[0].RequestId).Name | Should -Be 'get-web1'
        { Get-KvPendingCertificate -VaultUri $VaultUri -Name 'get-web1' -RequestId ('0' * 32) -ErrorAction Stop } |
            Should -Throw -ErrorId 'PendingCertificateNotFound,*'
        # In a listing the filter keeps only the request with that id.
        (Get-KvPendingCertificate -VaultUri $VaultUri -RequestId $manual[1].RequestId).Name | Should -Be 'get-web2'
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

    It 'writes {name}.csr files into a folder given to -CsrPath' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'csr-folder')
        $pending = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'get-web*' -CsrPath $folder
        $pending | Should -HaveCount 2
        foreach ($one in $pending) {
            (Get-Content -Path (Join-Path $folder "$($one.Name).csr") -Raw).Trim() | Should -Be $one.CsrPem.Trim()
        }
    }

    It 'refuses one -CsrPath file for many requests with CsrPathAmbiguous, after writing the first' {
        $path = Join-Path $TestDrive 'one-for-many.csr'
        $found = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'get-web*' -CsrPath $path -ErrorVariable problems -ErrorAction SilentlyContinue
        @($found).Name | Should -Be 'get-web1'
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'CsrPathAmbiguous,*'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $problems[0].TargetObject | Should -Be 'get-web2'
        (Get-Content -Path $path -Raw).Trim() | Should -Be $manual[0].CsrPem.Trim()
    }

    It 'refuses a -CsrPath in a folder that does not exist with CsrPathUnwritable' {
        $path = Join-Path $TestDrive 'no-such-folder/web1.csr'
        $failure = { Get-KvPendingCertificate -VaultUri $VaultUri -Name 'get-web1' -CsrPath $path -ErrorAction Stop } |
            Should -Throw -ErrorId 'CsrPathUnwritable,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'WriteError'
        $failure.TargetObject | Should -Be 'get-web1'
    }

    It 'does not wait for a manual request with -Wait: it warns and emits it as it is' {
        $state = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'get-api' -Wait -Timeout 30 -WarningVariable warnings -WarningAction SilentlyContinue
        $state.Status | Should -BeExactly 'inProgress'
        $warnings | Should -HaveCount 1
        "$warnings" | Should -Match 'get-api'
    }

    It 'ends -Wait -Timeout with PendingCertificateWaitTimeout (OperationTimeout) and the last state as target' {
        New-KvCertificate -VaultUri $VaultUri -Name 'get-timeout' -Subject 'CN=timeout' -IssuerName 'pester-slow' | Out-Null
        $started = [DateTime]::UtcNow
        $final = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'get-timeout' -Wait -Timeout 1 -ErrorVariable problems -ErrorAction SilentlyContinue
        ([DateTime]::UtcNow - $started).TotalSeconds | Should -BeLessThan 20
        $final | Should -BeNullOrEmpty
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PendingCertificateWaitTimeout,*'
        $problems[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $problems[0].TargetObject.Name | Should -Be 'get-timeout'
        $problems[0].TargetObject.Status | Should -BeExactly 'inProgress'
    }

    It 'refuses the invalid name <Name> with CertificateNameInvalid' -ForEach @(
        @{ Name = 'get_underscore' }
        @{ Name = ('g' * 128) }
    ) {
        $failure = { Get-KvPendingCertificate -VaultUri $VaultUri -Name $Name -ErrorAction Stop } | Should -Throw -ErrorId 'CertificateNameInvalid,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.TargetObject | Should -Be $Name
    }

    It 'refuses a vault URI that is not https, or has a path, with VaultUriInvalid' -ForEach @(
        @{ Uri = 'http://localhost:1/' }
        @{ Uri = 'https://localhost:1/certificates/' }
    ) {
        $failure = { Get-KvPendingCertificate -VaultUri $Uri -Name 'get-web1' -ErrorAction Stop } | Should -Throw -ErrorId 'VaultUriInvalid,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'refuses a vault name Azure would refuse with VaultNameInvalid' {
        $failure = { Get-KvPendingCertificate -VaultName 'a--b' -Name 'get-web1' -ErrorAction Stop } | Should -Throw -ErrorId 'VaultNameInvalid,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.TargetObject | Should -Be 'a--b'
    }
}
