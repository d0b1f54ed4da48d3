#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The eleven scenarios of the pending-certificate contract (docs: /work/shared/spec/pending-lifecycle.md), each as a
# PowerShell pipeline a user would type, against a local vault with simulated issuers.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    Initialize-KvTestSession -Vault $vault
    $VaultUri = $vault.VaultUri
    # Issuer objects (provider DigiCert) whose simulated CA answers as named.
    New-KvTestIssuer -Vault $vault -Name 'mydigicert' -DelaySeconds 600 -Outcome issue -HonourCancellation $false
    New-KvTestIssuer -Vault $vault -Name 'digicert-ok' -DelaySeconds 0.5 -Outcome issue
    New-KvTestIssuer -Vault $vault -Name 'digicert-fail' -DelaySeconds 0.3 -Outcome fail
    New-KvTestIssuer -Vault $vault -Name 'digicert-reject' -DelaySeconds 0.3 -Outcome reject
    New-KvTestIssuer -Vault $vault -Name 'digicert-cancel' -DelaySeconds 600 -Outcome issue -HonourCancellation $true

    $IssuerInProgressText = 'Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later.'
    $ManualText = 'Pending certificate created. Please Perform Merge to complete the request.'
    function Get-CertificateUrl([string] $Name) { [Uri]::new([Uri]$VaultUri, "certificates/$Name") }
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'The eleven scenarios of the pending-certificate lifecycle' {
    It '1: creating with a supported issuer (DigiCert, OV-SSL) leaves a request in progress' {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'sc1-digicert' -Subject 'CN=sc1.contoso.com' -IssuerName 'mydigicert' -CertificateType 'OV-SSL'

        $pending.Name | Should -Be 'sc1-digicert'
        $pending.Status | Should -BeExactly 'inProgress'
        $pending.IssuerName | Should -Be 'mydigicert'
        $pending.CancellationRequested | Should -BeFalse
        $pending.StatusDetails | Should -BeExactly $IssuerInProgressText
        $pending.RequestId | Should -Match '^[0-9a-f]{32}$'
        $pending.Id | Should -Be ([Uri]::new([Uri]$VaultUri, 'certificates/sc1-digicert/pending'))
        $pending.Target | Should -BeNullOrEmpty
        $pending.ErrorCode | Should -BeNullOrEmpty
        # The certificate type reached the vault's policy.
        (Invoke-KvTestVaultRequest -Vault $vault -Method Get -Path 'certificates/sc1-digicert/policy?api-version=7.5').issuer.cty | Should -Be 'OV-SSL'
    }

    It '2: getting a request in progress, by name and filtered by request id' {
        $created = New-KvCertificate -VaultUri $VaultUri -Name 'sc2-get' -Subject 'CN=sc2' -IssuerName 'mydigicert'

        $read = $created | Get-KvPendingCertificate
        $read.Status | Should -BeExactly 'inProgress'
        $read.RequestId | Should -Be $created.RequestId
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'sc2-get' -RequestId $created.RequestId).RequestId | Should -Be $created.RequestId

        $other = 'f' * 32
        $failure = { Get-KvPendingCertificate -VaultUri $VaultUri -Name 'sc2-get' -RequestId $other -ErrorAction Stop } |
            Should -Throw -ErrorId 'PendingCertificateNotFound,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failure.TargetObject | Should -Be 'sc2-get'
        $failure.Exception.Message | Should -Match $other
    }

    It '3: a request an issuer completed is completed, with the certificate as target' {
        $final = New-KvCertificate -VaultUri $VaultUri -Name 'sc3-done' -Subject 'CN=sc3' -IssuerName 'digicert-ok' |
            Get-KvPendingCertificate -Wait -Timeout 60

        $final.Status | Should -BeExactly 'completed'
        $final.Target | Should -Be (Get-CertificateUrl 'sc3-done')
        $final.StatusDetails | Should -BeNullOrEmpty
        $final.ErrorCode | Should -BeNullOrEmpty
        # Completed stays completed when read again.
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'sc3-done').Status | Should -BeExactly 'completed'
    }

    It '4: a request the issuer <Case> ends failed with the error code <Code>' -ForEach @(
        @{ Case = 'could not process'; Issuer = 'digicert-fail'; Code = 'Certificate issuer error' }
        @{ Case = 'refused'; Issuer = 'digicert-reject'; Code = 'Request rejected' }
    ) {
        $name = "sc4-$Issuer"
        $final = New-KvCertificate -VaultUri $VaultUri -Name $name -Subject "CN=$name" -IssuerName $Issuer |
            Get-KvPendingCertificate -Wait -Timeout 60 -WarningVariable warnings -WarningAction SilentlyContinue

        $final.Status | Should -BeExactly 'failed'
        $final.ErrorCode | Should -BeExactly $Code
        $final.ErrorMessage | Should -Match 'DigiCert'
        $final.Target | Should -BeNullOrEmpty
        # -Wait was asked to see it through: the failure is also said as a warning.
        $warnings | Should -HaveCount 1
        "$warnings" | Should -Match ([regex]::Escape($Code))
    }

    It '4: a request whose cancellation the issuer honoured ends cancelled' {
        $final = New-KvCertificate -VaultUri $VaultUri -Name 'sc4-cancelled' -Subject 'CN=sc4c' -IssuerName 'digicert-cancel' |
            Stop-KvPendingCertificate -Force -Wait -Timeout 60

        $final.Status | Should -BeExactly 'cancelled'
        $final.CancellationRequested | Should -BeTrue
        $final.Target | Should -BeNullOrEmpty
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'sc4-cancelled').Status | Should -BeExactly 'cancelled'
    }

    It '5: a pending object that was <Case> is not found' -ForEach @(
        @{ Case = 'deleted' }
        @{ Case = 'overwritten' }
    ) {
        $name = "sc5-$Case"
        $first = New-KvCertificate -VaultUri $VaultUri -Name $name -Subject "CN=$name" -IssuerName 'digicert-fail' |
            Get-KvPendingCertificate -Wait -Timeout 60 -WarningAction SilentlyContinue
        $first.Status | Should -BeExactly 'failed'
        if ($Case -eq 'deleted') {
            $first | Remove-KvPendingCertificate -Force
            $read = { Get-KvPendingCertificate -VaultUri $VaultUri -Name $name -ErrorAction Stop }
        }
        else {
            $second = New-KvCertificate -VaultUri $VaultUri -Name $name -Subject "CN=$name" -IssuerName Unknown
            $second.RequestId | Should -Not -Be $first.RequestId
            # The old object (named by its request id) is gone; the name now has the new one.
            $read = { $first | Get-KvPendingCertificate -ErrorAction Stop }
            (Get-KvPendingCertificate -VaultUri $VaultUri -Name $name).RequestId | Should -Be $second.RequestId
        }

        $failure = $read | Should -Throw -ErrorId 'PendingCertificateNotFound,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failure.TargetObject | Should -Be $name
        $failure.Exception.ServiceCode | Should -Be 'PendingCertificateNotFound'
        $failure.Exception.Status | Should -Be 404
    }

    It '6: creating while a request is in progress is a 409 conflict and changes nothing; once it is final, create overwrites' {
        $first = New-KvCertificate -VaultUri $VaultUri -Name 'sc6-conflict' -Subject 'CN=sc6' -IssuerName 'mydigicert'

        $failure = { New-KvCertificate -VaultUri $VaultUri -Name 'sc6-conflict' -Subject 'CN=sc6-again' -IssuerName Unknown -ErrorAction Stop } |
            Should -Throw -ErrorId 'PendingCertificateInProgress,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'ResourceExists'
        $failure.TargetObject | Should -Be 'sc6-conflict'
        $failure.Exception.Status | Should -Be 409
        $failure.Exception.ServiceMessage | Should -Match 'inProgress'
        $still = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'sc6-conflict'
        $still.RequestId | Should -Be $first.RequestId
        $still.IssuerName | Should -Be 'mydigicert'

        # A request that is no longer in progress (here: refused by its issuer) is overwritten by a new create.
        $done = New-KvCertificate -VaultUri $VaultUri -Name 'sc6-final' -Subject 'CN=sc6f' -IssuerName 'digicert-reject' |
            Get-KvPendingCertificate -Wait -Timeout 60 -WarningAction SilentlyContinue
        $done.Status | Should -BeExactly 'failed'
        $again = New-KvCertificate -VaultUri $VaultUri -Name 'sc6-final' -Subject 'CN=sc6f' -IssuerName Unknown
        $again.Status | Should -BeExactly 'inProgress'
        $again.RequestId | Should -Not -Be $done.RequestId
        $again.IssuerName | Should -Be 'Unknown'
    }

    It '7: merging while an issuer works on the request is forbidden; after the request failed, an out-of-band chain merges' {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'sc7-merge' -Subject 'CN=sc7' -IssuerName 'mydigicert'
        $x5c = New-KvTestSignedChain -Vault $vault -Csr $pending.Csr

        $failure = { $pending | Merge-KvCertificate -X5c $x5c -ErrorAction Stop } |
            Should -Throw -ErrorId 'MergeForbiddenWhileIssuerInProgress,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $failure.TargetObject | Should -Be 'sc7-merge'
        $failure.Exception.Status | Should -Be 403
        $failure.Exception.ServiceMessage | Should -Match 'mydigicert'
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'sc7-merge').Status | Should -BeExactly 'inProgress'

        # The same with an issuer that then fails: the chain obtained elsewhere completes the certificate.
        $failed = New-KvCertificate -VaultUri $VaultUri -Name 'sc7-after-failure' -Subject 'CN=sc7f' -IssuerName 'digicert-fail' |
            Get-KvPendingCertificate -Wait -Timeout 60 -WarningAction SilentlyContinue
        $failed.Status | Should -BeExactly 'failed'
        $chain = New-KvTestSignedChain -Vault $vault -Csr $failed.Csr
        $merged = $failed | Merge-KvCertificate -X5c $chain
        $merged.Name | Should -Be 'sc7-after-failure'
        $merged.Thumbprint | Should -Be (ConvertTo-KvTestCertificate -X5c $chain)[0].Thumbprint
        $after = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'sc7-after-failure'
        $after.Status | Should -BeExactly 'completed'
        $after.Target | Should -Be (Get-CertificateUrl 'sc7-after-failure')
    }

    It '8: cancelling a request in progress sets CancellationRequested and leaves it in progress' {
        # mydigicert does not honour cancellations: the request stays in progress.
        $stopped = New-KvCertificate -VaultUri $VaultUri -Name 'sc8-cancel' -Subject 'CN=sc8' -IssuerName 'mydigicert' |
            Stop-KvPendingCertificate -Force

        $stopped.CancellationRequested | Should -BeTrue
        $stopped.Status | Should -BeExactly 'inProgress'
        $read = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'sc8-cancel'
        $read.CancellationRequested | Should -BeTrue
        $read.Status | Should -BeExactly 'inProgress'
        $read.RequestId | Should -Be $stopped.RequestId
    }

    It '8: cancelling a request that is not in progress is refused (CancellationNotAllowed)' {
        $done = New-KvCertificate -VaultUri $VaultUri -Name 'sc8-done' -Subject 'CN=sc8d' -IssuerName 'digicert-ok' -Wait -Timeout 60
        $done.Status | Should -BeExactly 'completed'

        $failure = { $done | Stop-KvPendingCertificate -Force -ErrorAction Stop } | Should -Throw -ErrorId 'CancellationNotAllowed,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $failure.TargetObject | Should -Be 'sc8-done'
        $failure.Exception.Status | Should -BeIn @(400, 403)
        $after = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'sc8-done'
        $after.CancellationRequested | Should -BeFalse
        $after.Status | Should -BeExactly 'completed'
    }

    It '9: deleting the pending object returns it as it was and keeps the (disabled) certificate' {
        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'sc9-delete' -Subject 'CN=sc9' -IssuerName 'mydigicert'

        $removed = $pending | Remove-KvPendingCertificate -Force -PassThru
        $removed.Name | Should -Be 'sc9-delete'
        $removed.RequestId | Should -Be $pending.RequestId
        $removed.Status | Should -BeExactly 'inProgress'
        $removed.IssuerName | Should -Be 'mydigicert'

        { Get-KvPendingCertificate -VaultUri $VaultUri -Name 'sc9-delete' -ErrorAction Stop } | Should -Throw -ErrorId 'PendingCertificateNotFound,*'
        $certificate = Invoke-KvTestVaultRequest -Vault $vault -Method Get -Path 'certificates/sc9-delete?api-version=7.5'
        $certificate.attributes.enabled | Should -BeFalse
        $certificate.PSObject.Properties.Name | Should -Not -Contain 'pending'
    }

    It '10: creating manually (<Case>) asks for a merge' -ForEach @(
        @{ Case = 'issuer Unknown'; Parameters = @{ IssuerName = 'Unknown' } }
        @{ Case = 'no issuer given'; Parameters = @{} }
    ) {
        $name = 'sc10-' + ($Case -replace '[^a-z]', '')
        $pending = New-KvCertificate -VaultUri $VaultUri -Name $name -Subject "CN=$name.contoso.com" @Parameters

        $pending.Status | Should -BeExactly 'inProgress'
        $pending.IssuerName | Should -Be 'Unknown'
        $pending.StatusDetails | Should -BeExactly $ManualText
        $pending.CancellationRequested | Should -BeFalse
        $pending.CsrPem | Should -Match '^-----BEGIN CERTIFICATE REQUEST-----'
    }

    It '11: the manual flow: CSR to a file, signed by a CA of our own, merged from the file' {
        $authority = New-KvTestCertificateAuthority -Subject 'CN=Pester Scenario 11 CA'
        $csrFolder = Join-Path $TestDrive 'sc11'
        New-Item -ItemType Directory -Path $csrFolder | Out-Null

        $pending = New-KvCertificate -VaultUri $VaultUri -Name 'sc11-manual' -Subject 'CN=sc11.contoso.com' -DnsName 'sc11.contoso.com' -IssuerName Unknown |
            Get-KvPendingCertificate -CsrPath $csrFolder
        $csrFile = Join-Path $csrFolder 'sc11-manual.csr'
        $leaf = New-KvTestCertificateFromCsr -Authority $authority -CsrPem (Get-Content -Path $csrFile -Raw)
        $signed = Join-Path $TestDrive 'sc11-signed.pem'
        ConvertTo-KvTestPem -X5c ([Convert]::ToBase64String($leaf.RawData)), ([Convert]::ToBase64String($authority.RawData)) | Set-Content -Path $signed

        $merged = $pending | Merge-KvCertificate -Path $signed
        $merged.Name | Should -Be 'sc11-manual'
        $merged.Version | Should -Match '^[0-9a-f]{32}$'
        $merged.Id | Should -Be ([Uri]::new([Uri]$VaultUri, "certificates/sc11-manual/$($merged.Version)"))
        $merged.KeyId | Should -Be ([Uri]::new([Uri]$VaultUri, "keys/sc11-manual/$($merged.Version)"))
        $merged.SecretId | Should -Be ([Uri]::new([Uri]$VaultUri, "secrets/sc11-manual/$($merged.Version)"))
        $merged.Thumbprint | Should -Be $leaf.Thumbprint
        $merged.Issuer | Should -Be 'CN=Pester Scenario 11 CA'
        $merged.Enabled | Should -BeTrue

        $after = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'sc11-manual'
        $after.Status | Should -BeExactly 'completed'
        $after.Target | Should -Be (Get-CertificateUrl 'sc11-manual')
        $bundle = Invoke-KvTestVaultRequest -Vault $vault -Method Get -Path 'certificates/sc11-manual?api-version=7.5'
        $bundle.x5t | Should -Not -BeNullOrEmpty
        [Convert]::FromBase64String($bundle.cer) | Should -Be $leaf.RawData
    }

    It '11: a chain whose leaf is not the request''s key is refused before anything is sent, and nothing changes' {
        $mine = New-KvTestManualRequest -Vault $vault -Name 'sc11-mine'
        $other = New-KvTestManualRequest -Vault $vault -Name 'sc11-other'
        $path = Join-Path $TestDrive 'sc11-other.pem'
        ConvertTo-KvTestPem -X5c $other.X5c | Set-Content -Path $path

        $failure = { $mine.Pending | Merge-KvCertificate -Path $path -ErrorAction Stop } | Should -Throw -ErrorId 'CertificateKeyMismatch,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.TargetObject | Should -Be 'sc11-mine'
        $still = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'sc11-mine'
        $still.Status | Should -BeExactly 'inProgress'
        $still.RequestId | Should -Be $mine.Pending.RequestId
    }
}
