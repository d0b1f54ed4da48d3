<#
    Shared helper for the Pester tests: starts a local vault in a test's $TestDrive (through tools/KvLocalVault.psm1,
    which the demo uses too), imports the built module from out/KvCertPending, trusts exactly the vault's TLS
    certificate, and talks to the vault's management endpoints (issuer simulations, the local CA) for test setup.
#>
#Requires -Version 7.2
Set-StrictMode -Version 3.0

$script:RepositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:Token = [System.Net.NetworkCredential]::new('', 'pester-token').SecurePassword

Import-Module (Join-Path $script:RepositoryRoot 'tools/KvLocalVault.psm1') -Force

function Get-KvTestRepositoryRoot {
    $script:RepositoryRoot
}

function Get-KvTestToken {
    <# The bearer token the tests send (the local vault accepts any unless started with --require-issued-tokens). #>
    $script:Token
}

function Start-KvTestVault {
    <# Starts a local vault on a free loopback port with its data in $DataDirectory; returns its URI and files. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $DataDirectory, [string[]] $Arguments = @())

    Start-KvLocalVault -DataDirectory $DataDirectory -Arguments $Arguments
}

function Stop-KvTestVault {
    <# Stops a vault started by Start-KvTestVault (its process tree only) and forgets a Connect-KvVault made for it. #>
    param([Parameter(Mandatory)] $Vault)
    if (Get-Command -Name Disconnect-KvVault -ErrorAction Ignore) {
        # The connection is process-wide: the next test file must not inherit a vault that is gone.
        Disconnect-KvVault
    }
    Stop-KvLocalVault -Vault $Vault
}

function Initialize-KvTestSession {
    <#
        Imports the built module and points it at the vault: trusts exactly its TLS certificate and makes the test token
        the -AccessToken default of every *-Kv* cmdlet ($global:PSDefaultParameterValues: Pester 5 runs test code in the
        caller's session state, whose scopes all see the global table). -Connect also runs Connect-KvVault with the vault
        and the token, so the token is the session's sign-in even where a scope shadows $PSDefaultParameterValues, and
        cmdlets run without -VaultUri use this vault.
    #>
    param([Parameter(Mandatory)] $Vault, [switch] $Connect)
    Import-Module (Join-Path $script:RepositoryRoot 'out/KvCertPending/KvCertPending.psd1') -Force -Global
    $env:KVCERTPENDING_TRUSTED_CERTIFICATE = $Vault.TlsCertificatePemPath
    # The local vault accepts any bearer token.
    $global:PSDefaultParameterValues['*-Kv*:AccessToken'] = $script:Token
    if ($Connect) {
        Connect-KvVault -VaultUri $Vault.VaultUri -AccessToken $script:Token | Out-Null
    }
    else {
        Disconnect-KvVault
    }
}

# The vault requests and issuers of tools/KvLocalVault.psm1, under the names the tests use.
Set-Alias -Name Invoke-KvTestVaultRequest -Value Invoke-KvLocalVaultRequest
Set-Alias -Name New-KvTestIssuer -Value Set-KvLocalVaultIssuer

function New-KvTestSignedChain {
    <# Has the local CA sign a CSR (DER bytes); returns the chain as base64 DER strings, leaf first. #>
    param([Parameter(Mandatory)] $Vault, [Parameter(Mandatory)] [byte[]] $Csr, [int] $ValidityDays = 90)
    $answer = Invoke-KvTestVaultRequest -Vault $Vault -Method Post -Path '_localvault/ca/sign' -Body @{
        csr = [Convert]::ToBase64String($Csr); validityDays = $ValidityDays
    }
    , [string[]]$answer.x5c
}

function ConvertTo-KvTestPem {
    <# Base64 DER certificates -> one PEM text. #>
    param([Parameter(Mandatory)] [string[]] $X5c)
    ($X5c | ForEach-Object {
        "-----BEGIN CERTIFICATE-----`n" + ($_ -replace '(.{64})', "`$1`n").TrimEnd("`n") + "`n-----END CERTIFICATE-----"
    }) -join "`n"
}

function Wait-KvTestStatus {
    <# Polls a pending request until it has the given status (for test setup, not under test). #>
    param([Parameter(Mandatory)] [string] $VaultUri, [Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Status)
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    do {
        $pending = Get-KvPendingCertificate -VaultUri $VaultUri -Name $Name -AccessToken $script:Token
        if ($pending.Status -eq $Status) { return $pending }
        Start-Sleep -Milliseconds 200
    } while ([DateTime]::UtcNow -lt $deadline)
    throw "$Name did not reach the status $Status (last: $($pending.Status))."
}

function ConvertTo-KvTestCertificate {
    <# Base64 DER certificates -> X509Certificate2 objects, in the same order. #>
    param([Parameter(Mandatory)] [string[]] $X5c)
    , [System.Security.Cryptography.X509Certificates.X509Certificate2[]]@($X5c | ForEach-Object {
        [System.Security.Cryptography.X509Certificates.X509Certificate2]::new([Convert]::FromBase64String($_))
    })
}

function New-KvTestManualRequest {
    <#
        Starts a manual request (issuer Unknown) through the module and has the local CA sign its CSR: returns the
        pending object, the chain as base64 DER (leaf first) and as certificate objects.
    #>
    param([Parameter(Mandatory)] $Vault, [Parameter(Mandatory)] [string] $Name, [string] $Subject = "CN=$Name.contoso.com")
    $pending = New-KvCertificate -VaultUri $Vault.VaultUri -Name $Name -Subject $Subject -IssuerName Unknown -AccessToken $script:Token
    $x5c = New-KvTestSignedChain -Vault $Vault -Csr $pending.Csr
    [pscustomobject]@{ Pending = $pending; X5c = $x5c; Certificates = (ConvertTo-KvTestCertificate -X5c $x5c) }
}

function New-KvTestCertificateAuthority {
    <# A throwaway root CA made here with .NET (RSA 2048, with its private key), independent of the vault's local CA. #>
    param([string] $Subject = 'CN=Pester Test Root CA')
    $key = [System.Security.Cryptography.RSA]::Create(2048)
    $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new(
        $Subject, $key, [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
    $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new(
        [System.Security.Cryptography.X509Certificates.X509KeyUsageFlags]'KeyCertSign, CrlSign', $true))
    $now = [DateTimeOffset]::UtcNow
    $request.CreateSelfSigned($now.AddDays(-1), $now.AddYears(2))
}

function New-KvTestCertificateFromCsr {
    <# Signs a PEM CSR (e.g. a file Get-KvPendingCertificate -CsrPath wrote) with a CA from New-KvTestCertificateAuthority. #>
    param(
        [Parameter(Mandatory)] [System.Security.Cryptography.X509Certificates.X509Certificate2] $Authority,
        [Parameter(Mandatory)] [string] $CsrPem,
        [int] $ValidityDays = 90
    )
    $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::LoadSigningRequestPem(
        $CsrPem, [System.Security.Cryptography.HashAlgorithmName]::SHA256,
        [System.Security.Cryptography.X509Certificates.CertificateRequestLoadOptions]::UnsafeLoadCertificateExtensions,
        [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $serial = [byte[]]::new(16)
    [System.Security.Cryptography.RandomNumberGenerator]::Fill($serial)
    $serial[0] = $serial[0] -band 0x7f
    $now = [DateTimeOffset]::UtcNow
    $request.Create($Authority, $now.AddMinutes(-5), $now.AddDays($ValidityDays), $serial)
}

function Get-KvTestWhatIf {
    <#
        Runs a script block and returns the "What if:" lines it made. pwsh writes -WhatIf text straight to the host (no
        stream, so 6>&1 and *>&1 see nothing); a transcript records the host, so it is captured with one.
    #>
    param([Parameter(Mandatory)] [scriptblock] $ScriptBlock)
    $path = Join-Path ([System.IO.Path]::GetTempPath()) ("kv-whatif-" + [guid]::NewGuid().ToString('n') + '.txt')
    Start-Transcript -Path $path | Out-Null
    try {
        & $ScriptBlock | Out-Null
    }
    finally {
        Stop-Transcript | Out-Null
    }
    try {
        # The transcript writes each host line whole (no console wrapping).
        , [string[]]@(Get-Content -Path $path | Where-Object { $_ -like 'What if: *' })
    }
    finally {
        Remove-Item -Path $path -ErrorAction Ignore
    }
}

Export-ModuleMember -Function Get-KvTestRepositoryRoot, Get-KvTestToken, Start-KvTestVault, Stop-KvTestVault, Initialize-KvTestSession,
    New-KvTestSignedChain, ConvertTo-KvTestPem, Wait-KvTestStatus,
    ConvertTo-KvTestCertificate, New-KvTestManualRequest, New-KvTestCertificateAuthority, New-KvTestCertificateFromCsr, Get-KvTestWhatIf,
    Invoke-KvLocalVaultRequest, Set-KvLocalVaultIssuer -Alias Invoke-KvTestVaultRequest, New-KvTestIssuer
