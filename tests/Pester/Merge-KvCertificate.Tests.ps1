#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Merge-KvCertificate against a local vault: every chain format and way of passing it, the key check, the refusals
# (and that a refused merge changes nothing), -WhatIf, -Tag/-Disabled, and the issuer-in-progress refusal.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    Initialize-KvTestSession -Vault $vault
    $VaultUri = $vault.VaultUri
    New-KvTestIssuer -Vault $vault -Name 'pester-slow' -DelaySeconds 600 -Outcome issue -HonourCancellation $false
    New-KvTestIssuer -Vault $vault -Name 'pester-cancel' -DelaySeconds 600 -Outcome issue -HonourCancellation $true

    function Assert-StillPending($Request) {
        # A refused merge changes nothing: the same request, still in progress, no certificate content.
        $still = Get-KvPendingCertificate -VaultUri $VaultUri -Name $Request.Pending.Name
        $still.Status | Should -BeExactly 'inProgress'
        $still.RequestId | Should -Be $Request.Pending.RequestId
        (Invoke-KvTestVaultRequest -Vault $vault -Method Get -Path "certificates/$($Request.Pending.Name)?api-version=7.5").PSObject.Properties.Name |
            Should -Not -Contain 'cer'
    }

    function Write-Pkcs7([string] $Path, $Certificates, [switch] $SignedCms) {
        $bytes = if ($SignedCms) {
            # SignedData carrying the chain, from SignedCms (a NoSignature signer: SignedCms only encodes signed messages).
            $cms = [System.Security.Cryptography.Pkcs.SignedCms]::new([System.Security.Cryptography.Pkcs.ContentInfo]::new([byte[]]@(0)), $false)
            $signer = [System.Security.Cryptography.Pkcs.CmsSigner]::new([System.Security.Cryptography.Pkcs.SubjectIdentifierType]::NoSignature)
            $signer.Certificates.AddRange([System.Security.Cryptography.X509Certificates.X509Certificate2Collection]::new($Certificates))
            $cms.ComputeSignature($signer)
            $cms.Encode()
        }
        else {
            [System.Security.Cryptography.X509Certificates.X509Certificate2Collection]::new($Certificates).Export(
                [System.Security.Cryptography.X509Certificates.X509ContentType]::Pkcs7)
        }
        [System.IO.File]::WriteAllBytes($Path, $bytes)
    }
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'Merge-KvCertificate' {
    Context 'the chain formats and ways of passing it' {
        It 'merges a chain given as <Format>' -ForEach @(
            @{ Format = 'PEM with the whole chain (-Path)' }
            @{ Format = 'PEM with the leaf only (-Path)' }
            @{ Format = 'DER leaf .cer (-Path)' }
            @{ Format = 'PKCS#7 .p7b from X509Certificate2Collection.Export (-LiteralPath with brackets)' }
            @{ Format = 'PKCS#7 .p7b from SignedCms (-Path)' }
            @{ Format = 'two PEM files matched by a wildcard (-Path)' }
            @{ Format = 'X509Certificate2 objects in reverse order (-Certificate)' }
            @{ Format = 'X509Certificate2 objects piped' }
            @{ Format = 'base64 strings (-X5c)' }
        ) {
            $name = 'merge-' + ($Format -replace '[^a-zA-Z0-9]', '').ToLowerInvariant()
            $name = $name.Substring(0, [Math]::Min(60, $name.Length))
            $request = New-KvTestManualRequest -Vault $vault -Name $name
            $certificates = $request.Certificates

            $merged = switch -Wildcard ($Format) {
                'PEM with the whole chain*' {
                    $path = Join-Path $TestDrive "$name.pem"
                    ConvertTo-KvTestPem -X5c $request.X5c | Set-Content -Path $path
                    Merge-KvCertificate -VaultUri $VaultUri -Name $name -Path $path
                }
                'PEM with the leaf only*' {
                    $path = Join-Path $TestDrive "$name.pem"
                    ConvertTo-KvTestPem -X5c $request.X5c[0] | Set-Content -Path $path
                    Merge-KvCertificate -VaultUri $VaultUri -Name $name -Path $path
                }
                'DER leaf*' {
                    $path = Join-Path $TestDrive "$name.cer"
                    [System.IO.File]::WriteAllBytes($path, $certificates[0].RawData)
                    Merge-KvCertificate -VaultUri $VaultUri -Name $name -Path $path
                }
                '*Export*' {
                    $path = Join-Path $TestDrive "$name[1].p7b"
                    Write-Pkcs7 -Path $path -Certificates $certificates
                    Merge-KvCertificate -VaultUri $VaultUri -Name $name -LiteralPath $path
                }
                '*SignedCms*' {
                    $path = Join-Path $TestDrive "$name.p7b"
                    Write-Pkcs7 -Path $path -Certificates $certificates -SignedCms
                    Merge-KvCertificate -VaultUri $VaultUri -Name $name -Path $path
                }
                'two PEM files*' {
                    $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive $name)
                    for ($i = 0; $i -lt $request.X5c.Count; $i++) {
                        ConvertTo-KvTestPem -X5c $request.X5c[$i] | Set-Content -Path (Join-Path $folder "part$i.pem")
                    }
                    Merge-KvCertificate -VaultUri $VaultUri -Name $name -Path (Join-Path $folder 'part*.pem')
                }
                '*(-Certificate)' {
                    $reversed = [System.Security.Cryptography.X509Certificates.X509Certificate2[]]$certificates.Clone()
                    [array]::Reverse($reversed)
                    $request.Pending | Merge-KvCertificate -Certificate $reversed
                }
                '*piped' {
                    $certificates | Merge-KvCertificate -VaultUri $VaultUri -Name $name
                }
                'base64*' {
                    Merge-KvCertificate -VaultUri $VaultUri -Name $name -X5c $request.X5c
                }
            }

            @($merged) | Should -HaveCount 1
            $merged.Name | Should -Be $name
            $merged.Thumbprint | Should -Be $certificates[0].Thumbprint
            $merged.Subject | Should -Be "CN=$name.contoso.com"
            $merged.Version | Should -Match '^[0-9a-f]{32}$'
            $merged.Enabled | Should -BeTrue
            $after = Get-KvPendingCertificate -VaultUri $VaultUri -Name $name
            $after.Status | Should -BeExactly 'completed'
            $after.Target | Should -Be ([Uri]::new([Uri]$VaultUri, "certificates/$name"))
        }

        It 'the chain test uses a local CA with an issuer certificate (so "whole chain" really is more than the leaf)' {
            $request = New-KvTestManualRequest -Vault $vault -Name 'merge-chain-shape'
            $request.X5c.Count | Should -BeGreaterThan 1
            $request.Certificates[0].Issuer | Should -Be $request.Certificates[1].Subject
            Remove-KvPendingCertificate -VaultUri $VaultUri -Name 'merge-chain-shape' -Force
        }

        It 'applies -Tag and -Disabled to the merged certificate' {
            $request = New-KvTestManualRequest -Vault $vault -Name 'merge-tagged'
            $merged = $request.Pending | Merge-KvCertificate -X5c $request.X5c -Tag @{ owner = 'pester'; ticket = 42 } -Disabled
            $merged.Enabled | Should -BeFalse
            $merged.Tags['owner'] | Should -Be 'pester'
            $merged.Tags['ticket'] | Should -Be '42'
            $bundle = Invoke-KvTestVaultRequest -Vault $vault -Method Get -Path 'certificates/merge-tagged?api-version=7.5'
            $bundle.attributes.enabled | Should -BeFalse
            $bundle.tags.owner | Should -Be 'pester'
        }
    }

    Context 'what is refused, and changes nothing' {
        It 'refuses <Case> with <ErrorId> (<Category>)' -ForEach @(
            @{ Case = 'an empty file'; ErrorId = 'CertificateChainUnreadable'; Category = 'InvalidData' }
            @{ Case = 'a file that is no certificate'; ErrorId = 'CertificateChainUnreadable'; Category = 'InvalidData' }
            @{ Case = 'a -X5c item that is not base64 DER'; ErrorId = 'CertificateChainUnreadable'; Category = 'InvalidData' }
            @{ Case = 'a missing file'; ErrorId = 'CertificateFileNotFound'; Category = 'ObjectNotFound' }
            @{ Case = 'a wildcard that matches nothing'; ErrorId = 'CertificateFileNotFound'; Category = 'ObjectNotFound' }
            @{ Case = 'no chain at all'; ErrorId = 'CertificateChainMissing'; Category = 'InvalidArgument' }
            @{ Case = 'two chain sources'; ErrorId = 'CertificateChainSourceConflict'; Category = 'InvalidArgument' }
            @{ Case = 'a chain for another key (file)'; ErrorId = 'CertificateKeyMismatch'; Category = 'InvalidArgument' }
            @{ Case = 'a chain for another key (-X5c)'; ErrorId = 'CertificateKeyMismatch'; Category = 'InvalidArgument' }
        ) {
            $name = 'merge-refuse-' + ($Case -replace '[^a-zA-Z0-9]', '').ToLowerInvariant()
            $request = New-KvTestManualRequest -Vault $vault -Name $name
            $path = Join-Path $TestDrive "$name.pem"
            $merge = switch -Wildcard ($Case) {
                'an empty file' { Set-Content -Path $path -Value '' -NoNewline; { Merge-KvCertificate -VaultUri $VaultUri -Name $name -Path $path -ErrorAction Stop } }
                'a file that is no*' { Set-Content -Path $path -Value 'this is not a certificate'; { Merge-KvCertificate -VaultUri $VaultUri -Name $name -Path $path -ErrorAction Stop } }
                'a -X5c item*' { { Merge-KvCertificate -VaultUri $VaultUri -Name $name -X5c $request.X5c[0], 'bm90IGEgY2VydGlmaWNhdGU=' -ErrorAction Stop } }
                'a missing file' { { Merge-KvCertificate -VaultUri $VaultUri -Name $name -LiteralPath (Join-Path $TestDrive 'no-such.pem') -ErrorAction Stop } }
                'a wildcard*' { { Merge-KvCertificate -VaultUri $VaultUri -Name $name -Path (Join-Path $TestDrive 'nothing-here-*.pem') -ErrorAction Stop } }
                'no chain at all' { { Merge-KvCertificate -VaultUri $VaultUri -Name $name -ErrorAction Stop } }
                'two chain sources' {
                    ConvertTo-KvTestPem -X5c $request.X5c | Set-Content -Path $path
                    { Merge-KvCertificate -VaultUri $VaultUri -Name $name -Path $path -X5c $request.X5c -ErrorAction Stop }
                }
                '*another key (file)' {
                    $other = New-KvTestManualRequest -Vault $vault -Name "$name-other"
                    ConvertTo-KvTestPem -X5c $other.X5c | Set-Content -Path $path
                    { $request.Pending | Merge-KvCertificate -Path $path -ErrorAction Stop }
                }
                '*another key (-X5c)' {
                    $other = New-KvTestManualRequest -Vault $vault -Name "$name-other"
                    { Merge-KvCertificate -VaultUri $VaultUri -Name $name -X5c $other.X5c -ErrorAction Stop }
                }
            }

            $failure = $merge | Should -Throw -ErrorId "$ErrorId,*" -PassThru
            $failure.CategoryInfo.Category | Should -Be $Category
            $failure.TargetObject | Should -Not -BeNullOrEmpty
            if ($ErrorId -ne 'CertificateFileNotFound') { $failure.TargetObject | Should -Be $name }
            Assert-StillPending $request
            # The request can still be merged with the right chain afterwards.
            (Merge-KvCertificate -VaultUri $VaultUri -Name $name -X5c $request.X5c).Thumbprint | Should -Be $request.Certificates[0].Thumbprint
        }

        It 'refuses an empty -X5c list as parameter validation' {
            $request = New-KvTestManualRequest -Vault $vault -Name 'merge-empty-x5c'
            { Merge-KvCertificate -VaultUri $VaultUri -Name 'merge-empty-x5c' -X5c @() -ErrorAction Stop } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
            Assert-StillPending $request
        }

        It 'changes nothing with -WhatIf and says what it would merge' {
            $request = New-KvTestManualRequest -Vault $vault -Name 'merge-whatif'
            $lines = Get-KvTestWhatIf { $request.Pending | Merge-KvCertificate -X5c $request.X5c -WhatIf }
            $lines | Should -HaveCount 1
            $lines[0] | Should -BeLike "What if: *$($request.Certificates[0].Thumbprint)* on target ""'merge-whatif' in $VaultUri""."
            Assert-StillPending $request
        }

        It 'refuses a request that is already completed with PendingCertificateAlreadyCompleted' {
            $request = New-KvTestManualRequest -Vault $vault -Name 'merge-twice'
            $request.Pending | Merge-KvCertificate -X5c $request.X5c | Out-Null
            $failure = { $request.Pending | Merge-KvCertificate -X5c $request.X5c -ErrorAction Stop } |
                Should -Throw -ErrorId 'PendingCertificateAlreadyCompleted,*' -PassThru
            $failure.CategoryInfo.Category | Should -Be 'InvalidOperation'
            $failure.TargetObject | Should -Be 'merge-twice'
        }

        It 'reports a name without a pending object as PendingCertificateNotFound' {
            $x5c = (New-KvTestManualRequest -Vault $vault -Name 'merge-donor').X5c
            $failure = { Merge-KvCertificate -VaultUri $VaultUri -Name 'merge-never-made' -X5c $x5c -ErrorAction Stop } |
                Should -Throw -ErrorId 'PendingCertificateNotFound,*' -PassThru
            $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failure.TargetObject | Should -Be 'merge-never-made'
        }

        It 'refuses the invalid name <Name> with CertificateNameInvalid' -ForEach @(
            @{ Name = 'merge_underscore' }
            @{ Name = 'merge/slash' }
        ) {
            $failure = { Merge-KvCertificate -VaultUri $VaultUri -Name $Name -X5c 'AAAA' -ErrorAction Stop } |
                Should -Throw -ErrorId 'CertificateNameInvalid,*' -PassThru
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.TargetObject | Should -Be $Name
        }
    }

    Context 'requests with an issuer' {
        It 'refuses to merge while an issuer works on the request, with PermissionDenied, and changes nothing' {
            $pending = New-KvCertificate -VaultUri $VaultUri -Name 'merge-issuer' -Subject 'CN=merge-issuer' -IssuerName 'pester-slow'
            $x5c = New-KvTestSignedChain -Vault $vault -Csr $pending.Csr

            $failure = { $pending | Merge-KvCertificate -X5c $x5c -ErrorAction Stop } | Should -Throw -ErrorId 'MergeForbiddenWhileIssuerInProgress,*' -PassThru
            $failure.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $failure.TargetObject | Should -Be 'merge-issuer'
            $failure.Exception.Status | Should -Be 403
            Assert-StillPending ([pscustomobject]@{ Pending = $pending })
        }

        It 'merges a chain obtained out of band once the issuer request was cancelled' {
            $pending = New-KvCertificate -VaultUri $VaultUri -Name 'merge-after-cancel' -Subject 'CN=merge-after-cancel' -IssuerName 'pester-cancel'
            $x5c = New-KvTestSignedChain -Vault $vault -Csr $pending.Csr
            ($pending | Stop-KvPendingCertificate -Force -Wait -Timeout 60).Status | Should -BeExactly 'cancelled'

            $merged = $pending | Merge-KvCertificate -X5c $x5c
            $merged.Name | Should -Be 'merge-after-cancel'
            $merged.Thumbprint | Should -Be (ConvertTo-KvTestCertificate -X5c $x5c)[0].Thumbprint
            (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'merge-after-cancel').Status | Should -BeExactly 'completed'
        }
    }
}
