#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# New-KvCertificate against a local vault: issuers, policies from parameters and files, -Wait, the 409 conflict.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    Initialize-KvTestSession -Vault $vault
    $VaultUri = $vault.VaultUri
    New-KvTestIssuer -Vault $vault -Name 'pester-ok' -DelaySeconds 0.5 -Outcome issue
    New-KvTestIssuer -Vault $vault -Name 'pester-fail' -DelaySeconds 0.3 -Outcome fail
    New-KvTestIssuer -Vault $vault -Name 'pester-reject' -DelaySeconds 0.3 -Outcome reject
    New-KvTestIssuer -Vault $vault -Name 'pester-slow' -DelaySeconds 600 -Outcome issue
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'New-KvCertificate' {
    It 'starts a manual request with the issuer Unknown and emits its CSR' {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'new-manual' -Subject 'CN=manual.contoso.com' -DnsName 'manual.contoso.com' -IssuerName Unknown

        $pending.Name | Should -Be 'new-manual'
        $pending.Status | Should -Be 'inProgress'
        $pending.IssuerName | Should -Be 'Unknown'
        $pending.CancellationRequested | Should -BeFalse
        $pending.RequestId | Should -Match '^[0-9a-f]{32}$'
        $pending.CsrPem | Should -Match '^-----BEGIN CERTIFICATE REQUEST-----'
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::LoadSigningRequestPem(
            $pending.CsrPem, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $request.SubjectName.Name | Should -Be 'CN=manual.contoso.com'
    }

    It 'with the issuer <IssuerName> and -Wait ends <Expected>' -ForEach @(
        @{ IssuerName = 'Self'; Expected = 'completed'; ErrorCode = $null }
        @{ IssuerName = 'pester-ok'; Expected = 'completed'; ErrorCode = $null }
        @{ IssuerName = 'pester-fail'; Expected = 'failed'; ErrorCode = 'Certificate issuer error' }
        @{ IssuerName = 'pester-reject'; Expected = 'failed'; ErrorCode = 'Request rejected' }
    ) {
        $name = "new-wait-$($IssuerName.ToLowerInvariant())"
        $final = New-KvCertificate -VaultUri $VaultUri -Name $name -Subject "CN=$name" -IssuerName $IssuerName -Wait -Timeout 60 -WarningAction SilentlyContinue

        $final.Status | Should -Be $Expected
        if ($Expected -eq 'completed') {
            $final.Target | Should -Be ([Uri]::new([Uri]$VaultUri, "certificates/$name"))
        }
        else {
            $final.ErrorCode | Should -Be $ErrorCode
            $final.ErrorMessage | Should -Not -BeNullOrEmpty
        }
    }

    It 'builds an EC key policy from parameters' {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'new-ec' -Subject 'CN=Contoso Signing' -IssuerName Unknown -KeyType EC -Curve P-384 -EnhancedKeyUsage '1.3.6.1.5.5.7.3.3' -ValidityInMonths 6
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::LoadSigningRequestPem(
            $pending.CsrPem, [System.Security.Cryptography.HashAlgorithmName]::SHA384)
        $request.PublicKey.Oid.Value | Should -Be '1.2.840.10045.2.1'   # id-ecPublicKey
        $request.SubjectName.Name | Should -Be 'CN=Contoso Signing'
    }

    It 'reads a whole policy from -PolicyPath' {
        $policyPath = Join-Path $TestDrive 'policy.json'
        @{
            key_props  = @{ kty = 'RSA'; key_size = 3072; exportable = $true; reuse_key = $false }
            x509_props = @{ subject = 'CN=policy.contoso.com'; validity_months = 12 }
            issuer     = @{ name = 'Unknown' }
        } | ConvertTo-Json -Depth 5 | Set-Content -Path $policyPath

        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'new-policy' -PolicyPath $policyPath
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::LoadSigningRequestPem(
            $pending.CsrPem, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $request.SubjectName.Name | Should -Be 'CN=policy.contoso.com'
        $request.PublicKey.GetRSAPublicKey().KeySize | Should -Be 3072
    }

    It 'refuses a second request while the first is in progress, and changes nothing' {
        $first = New-KvCertificate -VaultUri $VaultUri -Name 'new-conflict' -Subject 'CN=conflict' -IssuerName 'pester-slow'

        $failure = { New-KvCertificate -VaultUri $VaultUri -Name 'new-conflict' -Subject 'CN=conflict' -IssuerName Unknown -ErrorAction Stop } |
            Should -Throw -ErrorId 'PendingCertificateInProgress,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'ResourceExists'
        $failure.TargetObject | Should -Be 'new-conflict'
        $failure.Exception.Status | Should -Be 409
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'new-conflict').RequestId | Should -Be $first.RequestId
    }

    It 'replaces a request that is no longer in progress' {
        $failed = New-KvCertificate -VaultUri $VaultUri -Name 'new-replace' -Subject 'CN=replace' -IssuerName 'pester-fail' -Wait -Timeout 60 -WarningAction SilentlyContinue
        $failed.Status | Should -Be 'failed'

        $again = New-KvCertificate -VaultUri $VaultUri -Name 'new-replace' -Subject 'CN=replace' -IssuerName Unknown
        $again.Status | Should -Be 'inProgress'
        $again.RequestId | Should -Not -Be $failed.RequestId
    }

    It 'rejects the invalid certificate name <Name> with CertificateNameInvalid before calling the vault' -ForEach @(
        @{ Name = 'has space' }
        @{ Name = 'under_score' }
        @{ Name = ('x' * 128) }
    ) {
        $failure = { New-KvCertificate -VaultUri $VaultUri -Name $Name -Subject 'CN=x' -IssuerName Unknown -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertificateNameInvalid,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.TargetObject | Should -Be $Name
    }

    It 'creates nothing with -WhatIf and says what it would create' {
        $lines = Get-KvTestWhatIf { New-KvCertificate -VaultUri $VaultUri -Name 'new-whatif' -Subject 'CN=whatif' -IssuerName 'pester-slow' -WhatIf }
        $lines | Should -HaveCount 1
        $lines[0] | Should -BeLike "What if: *pester-slow* on target ""'new-whatif' in $VaultUri""."
        { Get-KvPendingCertificate -VaultUri $VaultUri -Name 'new-whatif' -ErrorAction Stop } | Should -Throw -ErrorId 'PendingCertificateNotFound,*'
    }

    It 'creates with -Confirm:$false, with the SAN names and tags asked for' {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'new-confirm' -Subject 'CN=confirm.contoso.com' -DnsName 'confirm.contoso.com', 'www.confirm.contoso.com' -Tag @{ team = 'pester' } -Confirm:$false
        $pending.Status | Should -BeExactly 'inProgress'
        $policy = Invoke-KvTestVaultRequest -Vault $vault -Method Get -Path 'certificates/new-confirm/policy?api-version=7.5'
        $policy.x509_props.sans.dns_names | Should -Be @('confirm.contoso.com', 'www.confirm.contoso.com')
        $bundle = Invoke-KvTestVaultRequest -Vault $vault -Method Get -Path 'certificates/new-confirm?api-version=7.5'
        $bundle.tags.team | Should -Be 'pester'
    }

    It 'refuses an issuer object that does not exist with CertificateIssuerNotFound' {
        $failure = { New-KvCertificate -VaultUri $VaultUri -Name 'new-no-issuer' -Subject 'CN=x' -IssuerName 'pester-missing' -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertificateIssuerNotFound,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failure.TargetObject | Should -Be 'new-no-issuer'
        $failure.Exception.Status | Should -Be 404
        { Get-KvPendingCertificate -VaultUri $VaultUri -Name 'new-no-issuer' -ErrorAction Stop } | Should -Throw -ErrorId 'PendingCertificateNotFound,*'
    }

    It 'refuses a policy from two sources with PolicySourceConflict (<Case>)' -ForEach @(
        @{ Case = '-Policy and -PolicyPath'; Parameters = @{ Policy = @{ x509_props = @{ subject = 'CN=a' } }; PolicyPath = 'policy.json' } }
        @{ Case = '-Policy and -Subject'; Parameters = @{ Policy = @{ x509_props = @{ subject = 'CN=a' } }; Subject = 'CN=b' } }
    ) {
        $failure = { New-KvCertificate -VaultUri $VaultUri -Name 'new-conflicting-policy' @Parameters -ErrorAction Stop } |
            Should -Throw -ErrorId 'PolicySourceConflict,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.TargetObject | Should -Be 'new-conflicting-policy'
    }

    It 'refuses a -PolicyPath that does not exist with PolicyFileUnreadable (ObjectNotFound)' {
        $failure = { New-KvCertificate -VaultUri $VaultUri -Name 'new-no-policy' -PolicyPath (Join-Path $TestDrive 'missing.json') -ErrorAction Stop } |
            Should -Throw -ErrorId 'PolicyFileUnreadable,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'refuses a policy without subject or SAN with CertificatePolicyInvalid' {
        $failure = { New-KvCertificate -VaultUri $VaultUri -Name 'new-no-subject' -IssuerName Unknown -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertificatePolicyInvalid,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'takes a whole policy object with -Policy' {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'new-policy-object' -Policy @{
            key_props = @{ kty = 'EC'; crv = 'P-256' }; x509_props = @{ subject = 'CN=policy-object' }; issuer = @{ name = 'Unknown' }
        }
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::LoadSigningRequestPem(
            $pending.CsrPem, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $request.SubjectName.Name | Should -Be 'CN=policy-object'
        $request.PublicKey.Oid.Value | Should -Be '1.2.840.10045.2.1'
    }

    It 'emits an object that pipes into Get-KvPendingCertificate' {
        $read = New-KvCertificate -VaultUri $VaultUri -Name 'new-pipe' -Subject 'CN=pipe' -IssuerName Unknown | Get-KvPendingCertificate
        $read.Name | Should -Be 'new-pipe'
        $read.Status | Should -Be 'inProgress'
    }
}
