<#
.SYNOPSIS
    Builds, tests, demonstrates and packages KvCertPending. A thin entry over the .NET SDK.

.DESCRIPTION
    Every task is a dotnet command you can also run by hand:

      Build    dotnet build KvCertPending.sln
               Assembles the importable module in out/KvCertPending (dll, dependencies, manifest stamped with the
               version from Directory.Build.props, format and type files, MAML help compiled from en-US/).
      Test     dotnet test KvCertPending.sln (xunit), then Invoke-Pester tests/Pester in this pwsh (Pester is restored
               from NuGet by tools/Pester/Pester.csproj; each Pester file starts its own local vault), then
               tests/Python/run.py (the Python SDK and the az CLI against local vaults; Debian's python3-azure and
               azure-cli are installed with apt-get where missing). Needs pwsh:
               dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
      Demo     Build, then demo/demo.ps1 -NoBuild in this pwsh: starts a local vault, imports the built module and runs
               the demo against it (the README's demo command, dotnet pwsh demo/demo.ps1, does the same).
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
    Builds the solution, runs the xunit tests, then the Pester tests (PowerShell 7 only), then the Python suite.

.EXAMPLE
    ./build.ps1 -Task Test -Suite Python
    Runs only the Python SDK and az CLI suite (tests/Python).

.EXAMPLE
    ./build.ps1 -Task Test -TestFilter 'FullyQualifiedName~HelpContent' -PesterPath tests/Pester/Get-KvPendingCertificate.Tests.ps1
    Runs a part of each suite.

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
    [string] $Configuration = 'Debug',

    # Test: only the xunit tests that match this dotnet test --filter expression (default: all).
    [string] $TestFilter,

    # Test: only these Pester files or folders (default: tests/Pester).
    [string[]] $PesterPath,

    # Test: only the Pester tests with one of these tags.
    [string[]] $PesterTag,

    # Test: the suites to run (default: all three). Python is the Python SDK and az CLI suite (tests/Python).
    [ValidateSet('xunit', 'Pester', 'Python')]
    [string[]] $Suite = @('xunit', 'Pester', 'Python')
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

function Import-ProjectPester {
    # Restores the Pester version pinned in tools/Pester/Pester.csproj from NuGet (never the Gallery) and imports exactly it.
    $project = Join-Path $PSScriptRoot 'tools/Pester/Pester.csproj'
    Invoke-Dotnet 'restore', $project, '--verbosity', 'quiet'
    $version = ([xml](Get-Content -Raw $project)).Project.PropertyGroup.PesterVersion | Where-Object { $_ } | Select-Object -First 1
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else {
        ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    }
    $manifest = Join-Path $packages "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $manifest)) {
        throw "Pester $version was restored but $manifest is missing."
    }
    Import-Module $manifest -Force -Global -PassThru
}

function Invoke-PesterTests {
    # Runs tests/Pester (or -PesterPath) in this pwsh, against the built module; fails the task when a test fails.
    if ($PSVersionTable.PSEdition -ne 'Core') {
        throw 'The Pester tests need PowerShell 7: run "dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test".'
    }

    $pester = Import-ProjectPester
    Write-Host "> Invoke-Pester (Pester $($pester.Version), PowerShell $($PSVersionTable.PSVersion))" -ForegroundColor Cyan
    $config = New-PesterConfiguration
    $config.Run.Path = if ($PesterPath) { $PesterPath } else { Join-Path $PSScriptRoot 'tests/Pester' }
    $config.Run.PassThru = $true
    $config.Run.Throw = $false
    if ($PesterTag) { $config.Filter.Tag = $PesterTag }
    $config.Output.Verbosity = 'Detailed'
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'NUnitXml'
    $config.TestResult.OutputPath = Join-Path $PSScriptRoot "TestResults/Pester-$Configuration.xml"
    $env:KVCERTPENDING_TEST_CONFIGURATION = $Configuration
    $result = Invoke-Pester -Configuration $config
    Write-Host ("Pester summary: {0} passed, {1} failed, {2} skipped, {3} not run, {4} container(s) failed, in {5:n0} s." -f
        $result.PassedCount, $result.FailedCount, $result.SkippedCount, $result.NotRunCount, $result.FailedContainersCount, $result.Duration.TotalSeconds)
    if ($result.FailedCount -gt 0 -or $result.FailedContainersCount -gt 0 -or $result.TotalCount -eq 0) {
        throw "Pester: $($result.FailedCount) test(s) and $($result.FailedContainersCount) container(s) failed, of $($result.TotalCount)."
    }
}

function Find-PythonClients {
    # The Python that has Debian's python3-azure (azure.keyvault.certificates, azure.identity), with Debian's azure-cli
    # on PATH. Where either is missing, installs both with apt-get (as root, or with sudo that needs no password).
    # Returns the interpreter, or $null after saying why the Python suite cannot run here.
    $python = if (Test-Path '/usr/bin/python3') { '/usr/bin/python3' } else { (Get-Command python3 -ErrorAction SilentlyContinue).Source }
    $ready = { $python -and $(& $python -c 'import azure.keyvault.certificates, azure.identity' 2>$null; $LASTEXITCODE -eq 0) -and (Get-Command az -ErrorAction SilentlyContinue) }
    if (& $ready) {
        return $python
    }

    $packages = 'python3-azure', 'azure-cli'
    # apt-get itself as root; else through sudo -n (never a password prompt); else nothing.
    $apt = @(if (-not (Get-Command apt-get -ErrorAction SilentlyContinue)) { }
        elseif ((& id -u) -eq '0') { 'apt-get' }
        elseif ((Get-Command sudo -ErrorAction SilentlyContinue) -and $(& sudo -n true 2>$null; $LASTEXITCODE -eq 0)) { 'sudo', '-n', 'apt-get' })
    if ($apt.Count -eq 0) {
        Write-Warning "Python suite skipped: it needs Debian's $($packages -join ' and ') (the Azure SDK for Python and the az CLI), and apt-get is not available here (or needs a password). Install them and run again."
        return $null
    }

    Write-Host "> apt-get install $($packages -join ' ') (the Python suite's clients, from Debian)" -ForegroundColor Cyan
    $env:DEBIAN_FRONTEND = 'noninteractive'
    # apt's output is kept out of this function's output (the interpreter) and shown only when it fails.
    $aptArguments = @($apt | Select-Object -Skip 1)
    $log = & $apt[0] @aptArguments update -qq 2>&1
    if ($LASTEXITCODE -eq 0) {
        $log = & $apt[0] @aptArguments install -y -qq --no-install-recommends @packages 2>&1
    }
    if ($LASTEXITCODE -ne 0) {
        $log | Select-Object -Last 30 | Out-Host
        throw "apt-get install $($packages -join ' ') failed with exit code $LASTEXITCODE."
    }
    Write-Host "  installed: $(@($log | Where-Object { "$_" -match '^Setting up ' }).Count) packages"

    $python = '/usr/bin/python3'
    if (-not (& $ready)) {
        throw "apt-get installed $($packages -join ' '), but $python still cannot import azure.keyvault.certificates and azure.identity, or az is not on PATH."
    }

    $python
}

function Invoke-PythonTests {
    # Runs tests/Python (the Python SDK and the az CLI against local vaults) with Debian's Python; fails the task when a test fails.
    $python = Find-PythonClients
    if (-not $python) {
        return
    }

    Write-Host "> $python tests/Python/run.py" -ForegroundColor Cyan
    $env:KVCERTPENDING_TEST_CONFIGURATION = $Configuration
    & $python (Join-Path $PSScriptRoot 'tests/Python/run.py')
    if ($LASTEXITCODE -ne 0) {
        throw "The Python suite failed (exit code $LASTEXITCODE)."
    }
}

foreach ($step in $Task) {
    switch ($step) {
        'Build' {
            Invoke-Dotnet 'build', $solution, '--configuration', $Configuration
        }
        'Test' {
            $arguments = @('test', $solution, '--configuration', $Configuration)
            if ($TestFilter) { $arguments += '--filter', $TestFilter }
            # dotnet test builds the solution; without the xunit suite, build it for the others.
            if ($Suite -contains 'xunit') { Invoke-Dotnet $arguments } else { Invoke-Dotnet 'build', $solution, '--configuration', $Configuration }
            if ($Suite -contains 'Pester') { Invoke-PesterTests }
            if ($Suite -contains 'Python') { Invoke-PythonTests }
        }
        'Demo' {
            Invoke-Dotnet 'build', $solution, '--configuration', $Configuration
            $env:KVCERTPENDING_TEST_CONFIGURATION = $Configuration
            & (Join-Path $PSScriptRoot 'demo/demo.ps1') -NoBuild
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
