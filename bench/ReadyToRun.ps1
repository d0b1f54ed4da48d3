<#
.SYNOPSIS
    Makes a ReadyToRun (crossgen2) copy of the built module, to measure with bench/ColdRunbook.ps1 -ModulePath.

.DESCRIPTION
    The module ships IL only (one netstandard2.0 build for Windows PowerShell 5.1 and PowerShell 7 on every OS). This
    compiles the module's dll, the engine's and the Azure SDK's ahead of time for this machine's runtime (.NET 10,
    linux-x64 or the RID given) by publishing a throwaway app that references them with PublishReadyToRun, then
    copies the compiled dlls over a copy of out/KvCertPending. Assemblies the framework provides are left as they are.
    Prints the path of the copy's module folder. Nothing here is shipped.

.EXAMPLE
    dotnet pwsh bench/ColdRunbook.ps1 -ModulePath (dotnet pwsh bench/ReadyToRun.ps1)
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/KvCertPending'),
    [string] $OutputPath = (Join-Path ([IO.Path]::GetTempPath()) 'kvcertpending-r2r'),
    [string] $RuntimeIdentifier = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
$project = Join-Path $OutputPath 'project'
$publish = Join-Path $OutputPath 'publish'
$module = Join-Path $OutputPath 'KvCertPending'
Remove-Item -LiteralPath $OutputPath -Recurse -Force -ErrorAction SilentlyContinue
$null = New-Item -ItemType Directory -Path $project

$assemblies = @(Join-Path $ModulePath 'KvCertPending.dll') + (Get-ChildItem (Join-Path $ModulePath 'Dependencies') -Filter *.dll).FullName
$references = ($assemblies | ForEach-Object { "    <Reference Include=`"$_`" />" }) -join "`n"
Set-Content -LiteralPath (Join-Path $project 'R2R.csproj') -Value @"
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <RuntimeIdentifier>$RuntimeIdentifier</RuntimeIdentifier>
    <SelfContained>false</SelfContained>
    <PublishReadyToRun>true</PublishReadyToRun>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
$references
  </ItemGroup>
</Project>
"@
Set-Content -LiteralPath (Join-Path $project 'Program.cs') -Value 'System.Console.WriteLine();'
# Outside the repository, so that its Directory.Build.props and Directory.Packages.props do not apply.
& dotnet publish $project -c Release -o $publish --nologo --verbosity quiet | Write-Verbose
if ($LASTEXITCODE -ne 0) { throw "dotnet publish (ReadyToRun) failed with exit code $LASTEXITCODE." }

Copy-Item -LiteralPath $ModulePath -Destination $module -Recurse
foreach ($compiled in Get-ChildItem $publish -Filter *.dll | Where-Object Name -ne 'R2R.dll') {
    $target = if ($compiled.Name -eq 'KvCertPending.dll') { $module } else { Join-Path $module 'Dependencies' }
    Copy-Item -LiteralPath $compiled.FullName -Destination $target -Force
}
$module
