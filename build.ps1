<#
.SYNOPSIS
    Builds, tests, demonstrates and packages KvCertPending. A thin entry over the .NET SDK.

.DESCRIPTION
    Every task is a dotnet command you can also run by hand:

      Build    dotnet build KvCertPending.sln
               Assembles the importable module in out/KvCertPending (dll, dependencies, manifest stamped with the
               version from Directory.Build.props, format and type files, MAML help compiled from en-US/).
      Test     dotnet test KvCertPending.sln, then, where Pester 5 is installed, Invoke-Pester tests/Pester
               (each Pester file starts its own local vault with dotnet run).
      Demo     dotnet run --project tools/KvCertPending.Demo
               Starts a local vault, imports the built module in a hosted PowerShell 7 and runs demo/demo.ps1.
      Package  Build, then dotnet pack build/KvCertPending.Package/KvCertPending.Package.csproj
               Writes the PowerShell Gallery-shaped artifacts/KvCertPending.<version>.nupkg.
      Clean    dotnet clean KvCertPending.sln and remove out/ and artifacts/.

    Only the .NET SDK named in global.json is needed; Windows PowerShell 5.1 and PowerShell 7 both run this script.

.PARAMETER Task
    One or more of Build, Test, Demo, Package, Clean, run in the order given. Default: Build.

.PARAMETER Configuration
    The dotnet build configuration, Debug (the default) or Release.

.EXAMPLE
    ./build.ps1 -Task Test
    Builds the solution, runs the xunit tests, and the Pester tests where Pester 5 is installed.

.EXAMPLE
    ./build.ps1 -Task Clean, Package -Configuration Release
    Rebuilds from nothing and writes artifacts/KvCertPending.<version>.nupkg. Install it with
    Register-PSResourceRepository -Name local -Uri ./artifacts; Install-PSResource KvCertPending -Repository local
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Clean')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$solution = Join-Path $PSScriptRoot 'KvCertPending.sln'

function Invoke-Dotnet {
    # Runs dotnet with the given arguments and stops the script when it fails.
    param([Parameter(Mandatory)] [string[]] $Arguments)
    Write-Host "> dotnet $($Arguments -join ' ')" -ForegroundColor Cyan
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "dotnet $($Arguments[0]) failed with exit code $LASTEXITCODE."
    }
}

function Invoke-PesterTests {
    # Runs tests/Pester against the built module when Pester 5 is available; says so when it is not.
    if ($PSVersionTable.PSEdition -ne 'Core') {
        Write-Warning 'The Pester tests start the local vault with .NET APIs of PowerShell 7: run build.ps1 in pwsh to include them.'
        return
    }

    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version.Major -ge 5 } |
        Sort-Object Version -Descending | Select-Object -First 1
    if (-not $pester) {
        Write-Warning 'Pester 5 is not installed: skipping tests/Pester (Install-Module Pester -MinimumVersion 5.0).'
        return
    }

    Import-Module $pester -Force
    $config = New-PesterConfiguration
    $config.Run.Path = Join-Path $PSScriptRoot 'tests/Pester'
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    $result = Invoke-Pester -Configuration $config
    if ($result.FailedCount -gt 0) {
        throw "$($result.FailedCount) Pester test(s) failed."
    }
}

foreach ($step in $Task) {
    switch ($step) {
        'Build' {
            Invoke-Dotnet 'build', $solution, '--configuration', $Configuration
        }
        'Test' {
            Invoke-Dotnet 'test', $solution, '--configuration', $Configuration
            Invoke-PesterTests
        }
        'Demo' {
            Invoke-Dotnet 'run', '--project', (Join-Path $PSScriptRoot 'tools/KvCertPending.Demo'), '--configuration', $Configuration
        }
        'Package' {
            Invoke-Dotnet 'build', $solution, '--configuration', $Configuration
            Invoke-Dotnet 'pack', (Join-Path $PSScriptRoot 'build/KvCertPending.Package/KvCertPending.Package.csproj'), '--configuration', $Configuration
            Get-ChildItem (Join-Path $PSScriptRoot 'artifacts') -Filter '*.nupkg' | ForEach-Object { Write-Host "Package: $($_.FullName)" }
        }
        'Clean' {
            Invoke-Dotnet 'clean', $solution, '--configuration', $Configuration
            foreach ($folder in 'out', 'artifacts') {
                $path = Join-Path $PSScriptRoot $folder
                if (Test-Path $path) {
                    Remove-Item $path -Recurse -Force
                }
            }
        }
        default {
            throw "Unknown task '$step'."
        }
    }
}
