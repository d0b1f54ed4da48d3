#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Rows of a CSV file (Import-Csv) bind by property name to every cmdlet: VaultUri,Name against the local vault;
# VaultName,Name (https://<name>.vault.azure.net/, unreachable here) proven by the -WhatIf target and by the error that
# names the vault; both columns (-VaultUri wins); and a module object that still binds as -InputObject.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    Initialize-KvTestSession -Vault $vault
    $VaultUri = $vault.VaultUri
    New-KvTestIssuer -Vault $vault -Name 'pipe-slow' -DelaySeconds 600 -Outcome issue -HonourCancellation $false

    # No network here: a *.vault.azure.net name fails to resolve. Keep the module's retries short (read by the cmdlets
    # from the caller's scope).
    $KvCertPendingOperationTimeout = 2
    $KvCertPendingRequestTimeout = 2

    function New-CsvFile([string] $FileName, [string[]] $Lines) {
        $path = Join-Path $TestDrive $FileName
        Set-Content -Path $path -Value $Lines
        $path
    }

    function Get-VaultNameUri([string] $VaultName) { "https://$VaultName.vault.azure.net/" }
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'Binding by property name' {
    Context 'CSV rows with VaultUri and Name, against the local vault' {
        BeforeAll {
            $newCsv = New-CsvFile 'new.csv' @(
                'VaultUri,Name,Subject,IssuerName'
                "$VaultUri,csv-manual,CN=csv-manual.contoso.com,Unknown"
                "$VaultUri,csv-issuer,CN=csv-issuer.contoso.com,pipe-slow"
            )
            $created = @(Import-Csv -Path $newCsv | New-KvCertificate)
            $itemsCsv = New-CsvFile 'items.csv' @('VaultUri,Name', "$VaultUri,csv-manual", "$VaultUri,csv-issuer")
        }

        It 'New-KvCertificate takes VaultUri, Name, Subject and IssuerName from each row' {
            $created | Should -HaveCount 2
            $created.Name | Should -Be @('csv-manual', 'csv-issuer')
            $created.IssuerName | Should -Be @('Unknown', 'pipe-slow')
            $created.VaultUri | Should -Be @([Uri]$VaultUri, [Uri]$VaultUri)
            $subjects = $created | ForEach-Object {
                [System.Security.Cryptography.X509Certificates.CertificateRequest]::LoadSigningRequestPem(
                    $_.CsrPem, [System.Security.Cryptography.HashAlgorithmName]::SHA256).SubjectName.Name
            }
            $subjects | Should -Be @('CN=csv-manual.contoso.com', 'CN=csv-issuer.contoso.com')
        }

        It 'Get-KvPendingCertificate reads each row''s request' {
            $read = @(Import-Csv -Path $itemsCsv | Get-KvPendingCertificate)
            $read.Name | Should -Be @('csv-manual', 'csv-issuer')
            $read.RequestId | Should -Be $created.RequestId
        }

        It 'Stop-KvPendingCertificate asks for each row''s cancellation' {
            $csv = New-CsvFile 'stop.csv' @('VaultUri,Name', "$VaultUri,csv-issuer")
            $stopped = @(Import-Csv -Path $csv | Stop-KvPendingCertificate -Force)
            $stopped.Name | Should -Be 'csv-issuer'
            $stopped.CancellationRequested | Should -BeTrue
            (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'csv-issuer').CancellationRequested | Should -BeTrue
        }

        It 'Merge-KvCertificate merges the row''s request with the chain given by <Source>' -ForEach @(
            @{ Source = '-X5c' }
            @{ Source = '-Path' }
        ) {
            $name = 'csv-merge-' + $Source.TrimStart('-').ToLowerInvariant()
            $request = New-KvTestManualRequest -Vault $vault -Name $name
            $csv = New-CsvFile "$name.csv" @('VaultUri,Name', "$VaultUri,$name")
            $merged = if ($Source -eq '-X5c') {
                Import-Csv -Path $csv | Merge-KvCertificate -X5c $request.X5c
            }
            else {
                $pem = Join-Path $TestDrive "$name.pem"
                ConvertTo-KvTestPem -X5c $request.X5c | Set-Content -Path $pem
                Import-Csv -Path $csv | Merge-KvCertificate -Path $pem
            }
            @($merged).Name | Should -Be $name
            $merged.Thumbprint | Should -Be $request.Certificates[0].Thumbprint
            (Get-KvPendingCertificate -VaultUri $VaultUri -Name $name).Status | Should -BeExactly 'completed'
        }

        It 'Remove-KvPendingCertificate removes each row''s request' {
            $removed = @(Import-Csv -Path $itemsCsv | Remove-KvPendingCertificate -Force -PassThru)
            $removed.Name | Should -Be @('csv-manual', 'csv-issuer')
            $removed.RequestId | Should -Be $created.RequestId
            foreach ($name in 'csv-manual', 'csv-issuer') {
                { Get-KvPendingCertificate -VaultUri $VaultUri -Name $name -ErrorAction Stop } | Should -Throw -ErrorId 'PendingCertificateNotFound,*'
            }
        }
    }

    Context 'CSV rows with VaultName and Name (Azure vaults, not reachable from here)' {
        BeforeAll {
            # Subject is for New-KvCertificate; the other cmdlets have no such parameter and ignore the column.
            $byName = New-CsvFile 'by-name.csv' @('VaultName,Name,Subject', 'contoso-pester,web1,CN=web1', 'fabrikam-pester,web2,CN=web2')
            $expected = @(
                @{ Name = 'web1'; Uri = (Get-VaultNameUri 'contoso-pester') }
                @{ Name = 'web2'; Uri = (Get-VaultNameUri 'fabrikam-pester') }
            )
        }

        It '<Cmdlet> -WhatIf targets each row''s vault by name' -ForEach @(
            @{ Cmdlet = 'Stop-KvPendingCertificate'; Action = 'Request cancellation' }
            @{ Cmdlet = 'Remove-KvPendingCertificate'; Action = 'Remove the pending certificate request' }
            @{ Cmdlet = 'New-KvCertificate'; Action = 'Create a certificate request' }
        ) {
            $lines = Get-KvTestWhatIf { Import-Csv -Path $byName | & $Cmdlet -WhatIf }
            $lines | Should -HaveCount 2
            for ($i = 0; $i -lt 2; $i++) {
                $lines[$i] | Should -BeLike "What if: Performing the operation ""$Action*"" on target ""'$($expected[$i].Name)' in $($expected[$i].Uri)""."
            }
        }

        It 'Merge-KvCertificate goes to each row''s vault by name (it reads the request first: the error names the vault)' {
            $request = New-KvTestManualRequest -Vault $vault -Name 'csv-byname-merge'
            $merged = Import-Csv -Path $byName | Merge-KvCertificate -X5c $request.X5c -ErrorVariable problems -ErrorAction SilentlyContinue
            $merged | Should -BeNullOrEmpty
            $problems | Should -HaveCount 2
            for ($i = 0; $i -lt 2; $i++) {
                $problems[$i].FullyQualifiedErrorId | Should -BeLike 'VaultUnreachable,*'
                $problems[$i].CategoryInfo.Category | Should -Be 'ConnectionError'
                $problems[$i].TargetObject | Should -Be $expected[$i].Name
                $problems[$i].Exception.Message | Should -BeLike "*$($expected[$i].Uri)*"
            }
            # The chain did not go anywhere else: the local request is untouched.
            (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'csv-byname-merge').Status | Should -BeExactly 'inProgress'
        }

        It 'Get-KvPendingCertificate goes to each row''s vault by name (the error names the vault)' {
            $found = Import-Csv -Path $byName | Get-KvPendingCertificate -ErrorVariable problems -ErrorAction SilentlyContinue
            $found | Should -BeNullOrEmpty
            $problems | Should -HaveCount 2
            for ($i = 0; $i -lt 2; $i++) {
                $problems[$i].FullyQualifiedErrorId | Should -BeLike 'VaultUnreachable,*'
                $problems[$i].TargetObject | Should -Be $expected[$i].Name
                $problems[$i].Exception.Message | Should -BeLike "*$($expected[$i].Uri)*"
            }
        }
    }

    Context 'CSV rows with both VaultName and VaultUri: VaultUri wins' {
        BeforeAll {
            $both = New-CsvFile 'both.csv' @('VaultName,VaultUri,Name,Subject', "contoso-pester,$VaultUri,csv-both,CN=csv-both")
        }

        It 'the whole lifecycle runs against the VaultUri of the row' {
            $created = Import-Csv -Path $both | New-KvCertificate
            $created.Name | Should -Be 'csv-both'
            $created.VaultUri | Should -Be ([Uri]$VaultUri)

            $lines = Get-KvTestWhatIf { Import-Csv -Path $both | Remove-KvPendingCertificate -WhatIf }
            $lines | Should -HaveCount 1
            $lines[0] | Should -BeLike "*'csv-both' in $VaultUri*"

            (Import-Csv -Path $both | Get-KvPendingCertificate).RequestId | Should -Be $created.RequestId
            $x5c = New-KvTestSignedChain -Vault $vault -Csr $created.Csr
            (Import-Csv -Path $both | Merge-KvCertificate -X5c $x5c).Thumbprint | Should -Be (ConvertTo-KvTestCertificate -X5c $x5c)[0].Thumbprint
            (Import-Csv -Path $both | Get-KvPendingCertificate).Status | Should -BeExactly 'completed'
            (Import-Csv -Path $both | Remove-KvPendingCertificate -Force -PassThru).RequestId | Should -Be $created.RequestId
        }

        It 'Stop-KvPendingCertificate also uses the row''s VaultUri' {
            $csv = New-CsvFile 'both-stop.csv' @('VaultName,VaultUri,Name,Subject,IssuerName', "contoso-pester,$VaultUri,csv-both-stop,CN=csv-both-stop,pipe-slow")
            Import-Csv -Path $csv | New-KvCertificate | Out-Null
            (Import-Csv -Path $csv | Stop-KvPendingCertificate -Force).CancellationRequested | Should -BeTrue
        }
    }

    Context 'module objects' {
        It 'a piped KvPendingCertificate binds as -InputObject' {
            $pending = New-KvCertificate -VaultUri $VaultUri -Name 'pipe-object' -Subject 'CN=pipe-object' -IssuerName Unknown
            $trace = Join-Path $TestDrive 'binding.txt'
            $removed = Trace-Command -Name ParameterBinding -FilePath $trace -Expression {
                $pending | Remove-KvPendingCertificate -Force -PassThru
            }
            $removed.RequestId | Should -Be $pending.RequestId
            $text = Get-Content -Path $trace -Raw
            $text | Should -Match 'BIND PIPELINE object to parameters: \[Remove-KvPendingCertificate\]'
            $text | Should -Match 'Parameter \[InputObject\] PIPELINE INPUT ValueFromPipeline NO COERCION'
            $text | Should -Match 'BIND arg \[pipe-object \(inProgress\)\] to parameter \[InputObject\]'
            $text | Should -Not -Match 'to parameter \[VaultUri\]'
        }
    }
}
