<#
    Child process for Console.Tests.ps1: waits with -Wait on a slow request until it is interrupted (Ctrl+C / SIGINT).
    Writes what it reached to the marker file (not to the pipeline: output is discarded once a pipeline is stopped).
#>
param(
    [Parameter(Mandatory)] [string] $VaultUri,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [ValidateSet('New', 'Get')] [string] $Command,
    [Parameter(Mandatory)] [string] $Name,
    [Parameter(Mandatory)] [string] $IssuerName,
    [Parameter(Mandatory)] [string] $MarkerPath
)
$ErrorActionPreference = 'Stop'
function Mark([string] $Text) { [System.IO.File]::AppendAllText($MarkerPath, $Text + [Environment]::NewLine) }

Import-Module $ModulePath
$token = ConvertTo-SecureString 'pester-token' -AsPlainText -Force
Mark 'ready'
try {
    if ($Command -eq 'New') {
        $null = New-KvCertificate -VaultUri $VaultUri -Name $Name -Subject "CN=$Name" -IssuerName $IssuerName -Wait -AccessToken $token
    }
    else {
        $null = Get-KvPendingCertificate -VaultUri $VaultUri -Name $Name -Wait -AccessToken $token
    }
    Mark 'after-wait'
}
finally {
    Mark 'finally'
}
Mark 'next-statement'
