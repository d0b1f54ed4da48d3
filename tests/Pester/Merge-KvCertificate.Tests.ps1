#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Merge-KvCertificate against a local vault: every chain format, the key check, and the issuer-in-progress refusal.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    Initialize-KvTestSession -Vault $vault
    $VaultUri = $vault.VaultUri
    New-KvTestIssuer -Vault $vault -Name 'pester-slow' -DelaySeconds 600 -Outcome issue
    New-KvTestIssuer -Vault $vault -Name 'pester-cancel' -DelaySeconds 1 -Outcome issue -HonourCancellation $true

    function New-ManualRequest([string] $Name) {
        # A manual request and its chain signed by the local CA (leaf first).
        $pending = New-KvCertificate -VaultUri $VaultUri -Name $Name -Subject "CN=$Name.contoso.com" -IssuerName Unknown
        [pscustomobject]@{ Pending = $pending; X5c = (New-KvTestSignedChain -Vault $vault -Csr $pending.Csr) }
    }
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'Merge-KvCertificate' {
    It 'merges a chain given as <Format>' -ForEach @(
        @{ Format = 'PEM (-Path)' }
        @{ Format = 'PKCS#7 (-LiteralPath)' }
        @{ Format = 'DER leaf (-Path)' }
        @{ Format = 'X509Certificate2 objects in reverse order' }
        @{ Format = 'base64 strings (-X5c)' }
    ) {
        $name = 'merge-' + ($Format -replace '[^a-zA-Z0-9]', '').ToLowerInvariant()
        $request = New-ManualRequest $name
        $certificates = $request.X5c | ForEach-Object { [System.Security.Cryptography.X509Certificates.X509Certificate2]::new([Convert]::FromBase64String($_)) }

        $merged = switch ($Format) {
            'PEM (-Path)' {
                $path = Join-Path $TestDrive "$name.pem"
                ConvertTo-KvTestPem -X5c $request.X5c | Set-Content -Path $path
                Merge-KvCertificate -VaultUri $VaultUri -Name $name -Path $path
            }
            'PKCS#7 (-LiteralPath)' {
                $collection = [System.Security.Cryptography.X509Certificates.X509Certificate2Collection]::new([System.Security.Cryptography.X509Certificates.X509Certificate2[]]$certificates)
                $path = Join-Path $TestDrive "$name[1].p7b"
                [System.IO.File]::WriteAllBytes($path, $collection.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pkcs7))
                Merge-KvCertificate -VaultUri $VaultUri -Name $name -LiteralPath $path
            }
            'DER leaf (-Path)' {
                $path = Join-Path $TestDrive "$name.cer"
                [System.IO.File]::WriteAllBytes($path, [Convert]::FromBase64String($request.X5c[0]))
                Merge-KvCertificate -VaultUri $VaultUri -Name $name -Path $path
            }
            'X509Certificate2 objects in reverse order' {
                [array]::Reverse($certificates)
                $request.Pending | Merge-KvCertificate -Certificate $certificates
            }
            'base64 strings (-X5c)' {
                Merge-KvCertificate -VaultUri $VaultUri -Name $name -X5c $request.X5c
            }
        }

        $merged.Name | Should -Be $name
        $merged.Thumbprint | Should -Be $certificates.Where({ $_.Subject -eq "CN=$name.contoso.com" })[0].Thumbprint
        $merged.Version | Should -Match '^[0-9a-f]{32}$'
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name $name).Status | Should -Be 'completed'
    }

    It 'refuses a chain for another key and sends nothing' {
        $mine = New-ManualRequest 'merge-mine'
        $other = New-ManualRequest 'merge-other'

        $failure = { Merge-KvCertificate -VaultUri $VaultUri -Name 'merge-mine' -X5c $other.X5c -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertificateKeyMismatch*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'merge-mine').Status | Should -Be 'inProgress'
        Merge-KvCertificate -VaultUri $VaultUri -Name 'merge-mine' -X5c $mine.X5c | Should -Not -BeNullOrEmpty
    }

    It 'refuses to merge while an issuer works on the request, with PermissionDenied, and changes nothing' {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'merge-issuer' -Subject 'CN=merge-issuer' -IssuerName 'pester-slow'
        $x5c = New-KvTestSignedChain -Vault $vault -Csr $pending.Csr

        $failure = { $pending | Merge-KvCertificate -X5c $x5c -ErrorAction Stop } | Should -Throw -ErrorId 'MergeForbiddenWhileIssuerInProgress*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'PermissionDenied'

        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'merge-issuer').Status | Should -Be 'inProgress'
    }

    It 'merges a chain obtained out of band once the issuer request was cancelled' {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'merge-after-cancel' -Subject 'CN=merge-after-cancel' -IssuerName 'pester-cancel'
        $x5c = New-KvTestSignedChain -Vault $vault -Csr $pending.Csr
        ($pending | Stop-KvPendingCertificate -Force -Wait -Timeout 60).Status | Should -Be 'cancelled'

        $merged = $pending | Merge-KvCertificate -X5c $x5c
        $merged.Name | Should -Be 'merge-after-cancel'
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'merge-after-cancel').Status | Should -Be 'completed'
    }
}
