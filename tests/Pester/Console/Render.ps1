<#
    Child process for Console.Tests.ps1: renders KvCertPending's objects through the real console host (Out-Default)
    at whatever width the terminal it runs on has. Sections are marked with lines '=== <section>'.
#>
param(
    [Parameter(Mandatory)] [string] $VaultUri,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $PendingPattern,
    [Parameter(Mandatory)] [string] $ListName,
    [Parameter(Mandatory)] [string] $MergeName,
    [Parameter(Mandatory)] [string] $ChainPath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$PSDefaultParameterValues['*-Kv*:AccessToken'] = ConvertTo-SecureString 'pester-token' -AsPlainText -Force

[Console]::WriteLine("=== width $($Host.UI.RawUI.BufferSize.Width)")
[Console]::WriteLine('=== pending-table')
Get-KvPendingCertificate -VaultUri $VaultUri -Name $PendingPattern | Sort-Object Name | Out-Default
[Console]::WriteLine('=== certificate-table')
$merged = Merge-KvCertificate -VaultUri $VaultUri -Name $MergeName -Path $ChainPath -Tag @{ team = 'console'; env = 'test' }
$merged | Out-Default
[Console]::WriteLine('=== pending-list')
Get-KvPendingCertificate -VaultUri $VaultUri -Name $ListName | Format-List | Out-Default
[Console]::WriteLine('=== certificate-list')
$merged | Format-List | Out-Default
[Console]::WriteLine('=== end')
