#Requires -Version 7.2
<#
.SYNOPSIS
    KvCertPending demo: the pending-certificate lifecycle of Azure Key Vault, driven from PowerShell.

.DESCRIPTION
    Run it in PowerShell 7 from the repository (a fresh clone needs only the .NET SDK):

        dotnet tool restore; dotnet pwsh demo/demo.ps1

    Alone, it builds the solution, starts a local vault (tools/KvLocalVault.psm1) with two issuer objects,
    demo-digicert (issues after ~2 s) and demo-slowca (issues after 60 s, honours cancellation), imports the built
    module, trusts exactly the vault's TLS certificate, runs the steps below against it, and stops the vault.

    Against a vault you started yourself, set $VaultUri, $KvCertPendingTrustedCertificate and an -AccessToken default
    first and import the module; the script then uses them (the two issuers must exist in that vault too):
        Import-Module ./out/KvCertPending
        $VaultUri = 'https://localhost:8443/'
        $KvCertPendingTrustedCertificate = '<data folder>/tls-certificate.pem'     # the vault's TLS certificate
        $PSDefaultParameterValues['*-Kv*:AccessToken'] = ConvertTo-SecureString 'any' -AsPlainText -Force
        ./demo/demo.ps1
    The xunit tests run it that way in a hosted PowerShell engine (tests/KvCertPending.Tests/DemoScriptTests.cs).

    Only core cmdlets, the module's cmdlets and .NET are used, so the script runs in the hosted engine as in pwsh.

.PARAMETER DataDirectory
    Alone: keep the local vault's state in this folder (default: a temporary folder, deleted at the end).

.PARAMETER NoBuild
    Alone: use the module and vault already built (dotnet build KvCertPending.sln) instead of building first.
#>
[CmdletBinding()]
param(
    [string] $DataDirectory,
    [switch] $NoBuild
)

$ErrorActionPreference = 'Stop'
if (-not $VaultUri) {
    # Alone: build, start a local vault with the demo's issuers, and run this same script against it.
    $root = Split-Path $PSScriptRoot -Parent
    if (-not $NoBuild) {
        "Building the module and the local vault (dotnet build KvCertPending.sln) ..."
        & dotnet build (Join-Path $root 'KvCertPending.sln') --nologo --verbosity quiet | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "dotnet build failed with exit code $LASTEXITCODE (run it by hand to see why)." }
    }
    Import-Module (Join-Path $root 'tools/KvLocalVault.psm1')
    $temporary = -not $DataDirectory
    if ($temporary) { $DataDirectory = [IO.Directory]::CreateTempSubdirectory('kvcertpending-demo-').FullName }
    $vault = Start-KvLocalVault -DataDirectory $DataDirectory
    try {
        Set-KvLocalVaultIssuer -Vault $vault -Name demo-digicert -Provider DigiCert -DelaySeconds 2
        Set-KvLocalVaultIssuer -Vault $vault -Name demo-slowca -Provider GlobalSign -DelaySeconds 60
        "Local vault: $($vault.VaultUri) (TLS certificate: $($vault.TlsCertificatePemPath))"
        $VaultUri = $vault.VaultUri
        $KvCertPendingTrustedCertificate = $vault.TlsCertificatePemPath
        $PSDefaultParameterValues = $PSDefaultParameterValues.Clone()
        $PSDefaultParameterValues['*-Kv*:AccessToken'] = ConvertTo-SecureString 'demo-token' -AsPlainText -Force
        Import-Module (Join-Path $root 'out/KvCertPending/KvCertPending.psd1')
        & $PSCommandPath
    }
    finally {
        Stop-KvLocalVault -Vault $vault
        if ($temporary) { Remove-Item -LiteralPath $DataDirectory -Recurse -Force -ErrorAction SilentlyContinue }
    }
    return
}

$work = if ($DemoDirectory) { $DemoDirectory } else { [IO.Directory]::CreateTempSubdirectory('kvcertpending-demo-').FullName }

# Shows an object through the module's list view where Format-List exists (pwsh), else through the table view.
function Show([Parameter(ValueFromPipeline)] $InputObject) {
    process {
        if (Get-Command Format-List -ErrorAction SilentlyContinue) { $InputObject | Format-List | Out-Default }
        else { $InputObject | Out-Default }
    }
}

function Step([string] $Title) { "`n=== $Title ===" | Out-Default }

# Housekeeping for a vault kept between runs: requests this demo left in progress would make its creates conflict.
Get-KvPendingCertificate -VaultUri $VaultUri -Name 'demo-*' |
    Where-Object Status -eq inProgress |
    Remove-KvPendingCertificate -Force

# ---------------------------------------------------------------------------------------------------------------
Step '1. Manual flow: create with issuer Unknown, write the CSR, sign it with our own CA, merge'

# A manual request: the vault makes the key and a CSR, and waits for us to bring back the signed certificate.
$manual = New-KvCertificate -VaultUri $VaultUri -Name demo-manual -Subject 'CN=demo-manual.contoso.test' `
    -DnsName demo-manual.contoso.test, www.demo-manual.contoso.test -IssuerName Unknown
$manual | Show

# Write the CSR as PEM, as any CA expects it.
$csrPath = [IO.Path]::Combine($work, "demo-manual.csr")
Get-KvPendingCertificate -VaultUri $VaultUri -Name demo-manual -CsrPath $csrPath | Out-Null
"CSR written to $csrPath :"
[IO.File]::ReadAllText($csrPath).Split("`n")[0..2] + '...' | Out-Default

# "The CA": a throwaway local CA made here with .NET, which signs the CSR (keeping its SANs and key usages).
$sha256 = [System.Security.Cryptography.HashAlgorithmName]::SHA256
$caKey = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
$caRequest = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=KvCertPending Demo CA', $caKey, $sha256)
$caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
$caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new(
    [System.Security.Cryptography.X509Certificates.X509KeyUsageFlags]'KeyCertSign, CrlSign', $true))
$now = [DateTimeOffset]::UtcNow
$ca = $caRequest.CreateSelfSigned($now.AddDays(-1), $now.AddYears(5))

$csr = [System.Security.Cryptography.X509Certificates.CertificateRequest]::LoadSigningRequestPem(
    [IO.File]::ReadAllText($csrPath), $sha256,
    [System.Security.Cryptography.X509Certificates.CertificateRequestLoadOptions]::UnsafeLoadCertificateExtensions)
$serial = [byte[]]::new(16); [System.Security.Cryptography.RandomNumberGenerator]::Fill($serial); $serial[0] = $serial[0] -band 0x7f
$leaf = $csr.Create($ca.SubjectName, [System.Security.Cryptography.X509Certificates.X509SignatureGenerator]::CreateForECDsa($caKey),
    $now.AddMinutes(-5), $now.AddDays(90), $serial)

# The CA hands back a PEM bundle, root first (many do): Merge-KvCertificate checks the key and puts the leaf first.
$signedPath = [IO.Path]::Combine($work, "demo-manual-signed.pem")
[IO.File]::WriteAllText($signedPath, $ca.ExportCertificatePem() + "`n" + $leaf.ExportCertificatePem() + "`n")

# Merge: the pending object pipes in; the completed certificate comes out.
Get-KvPendingCertificate -VaultUri $VaultUri -Name demo-manual | Merge-KvCertificate -Path $signedPath | Show

# The pending object now says completed, and points at the certificate.
Get-KvPendingCertificate -VaultUri $VaultUri -Name demo-manual | Show

# ---------------------------------------------------------------------------------------------------------------
Step '2. Issuer flow: create with an issuer object and wait for it'

# demo-digicert is an issuer object in the vault; its CA answers after a couple of seconds. -Wait polls (honouring
# Retry-After), shows progress, and emits the final state.
New-KvCertificate -VaultUri $VaultUri -Name demo-issued -Subject 'CN=demo-issued.contoso.test' `
    -IssuerName demo-digicert -CertificateType OV-SSL -Wait -Timeout 120 | Show

# ---------------------------------------------------------------------------------------------------------------
Step '3. Cancellation: ask the issuer to stop'

# demo-slowca takes a minute. Stop-KvPendingCertificate asks for cancellation and emits the new state:
# CancellationRequested is True while the status stays inProgress until the issuer acts on it.
$cancelling = New-KvCertificate -VaultUri $VaultUri -Name demo-cancelled -Subject 'CN=demo-cancelled.contoso.test' -IssuerName demo-slowca |
    Stop-KvPendingCertificate -Force
$cancelling | Show

# This issuer honours cancellation: waiting on the same request shows it end as cancelled.
$cancelling | Get-KvPendingCertificate -Wait -Timeout 120 | Show

# ---------------------------------------------------------------------------------------------------------------
Step '4. Removal: delete the pending object'

# Remove-KvPendingCertificate is high impact (it asks first); -Force skips the question, -PassThru shows what went.
Remove-KvPendingCertificate -VaultUri $VaultUri -Name demo-cancelled -Force -PassThru | Show

# Reading it again is an ObjectNotFound error, never a silent nothing.
try { Get-KvPendingCertificate -VaultUri $VaultUri -Name demo-cancelled } catch { "Get after removal: $($_.FullyQualifiedErrorId) ($($_.CategoryInfo.Category))" }

# ---------------------------------------------------------------------------------------------------------------
Step '5. The 409 conflict, as a user sees it'

New-KvCertificate -VaultUri $VaultUri -Name demo-conflict -Subject 'CN=demo-conflict.contoso.test' | Out-Null
try {
    # A second create while the first request is in progress: Key Vault answers 409 Conflict.
    New-KvCertificate -VaultUri $VaultUri -Name demo-conflict -Subject 'CN=demo-conflict.contoso.test'
}
catch {
    $_ | Out-Default
    "Error id : $($_.FullyQualifiedErrorId)"
    "Category : $($_.CategoryInfo.Category)"
    "Advice   : $($_.ErrorDetails.RecommendedAction)"
}

# Following the advice: remove the request, then the create goes through.
Remove-KvPendingCertificate -VaultUri $VaultUri -Name demo-conflict -Force
New-KvCertificate -VaultUri $VaultUri -Name demo-conflict -Subject 'CN=demo-conflict.contoso.test' | Show
Remove-KvPendingCertificate -VaultUri $VaultUri -Name demo-conflict -Force

# ---------------------------------------------------------------------------------------------------------------
Step '6. Every pending request in the vault'

Get-KvPendingCertificate -VaultUri $VaultUri -Name 'demo-*'
