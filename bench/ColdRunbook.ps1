<#
.SYNOPSIS
    The cold runbook: what the module adds to a fresh `pwsh -NoProfile -NonInteractive -File` script that imports it
    and gets one pending certificate from a local vault, against the same pwsh running an empty script.

.DESCRIPTION
    Starts a local vault (tools/KvLocalVault.psm1) with one pending request, writes two scripts, and runs them as fresh
    processes, interleaved (empty, runbook, empty, runbook, ...) so that drift in the machine's load falls on both:
      empty.ps1    nothing
      runbook.ps1  Import-Module <module> ; Get-KvPendingCertificate -VaultUri ... -Name ... -AccessToken ...
    Each process is timed from start to exit (wall clock, Stopwatch). Prints the medians and the added time, and the
    same split for the two halves of the runbook (the import alone: import.ps1).

    -ModulePath picks the module folder (default: out/KvCertPending), so a ReadyToRun build of it can be measured the
    same way (bench/ReadyToRun.ps1 makes one). Figures go in docs/performance.md; nothing asserts a time.

.EXAMPLE
    dotnet build -c Release KvCertPending.sln; dotnet pwsh bench/ColdRunbook.ps1 -Runs 15 -Configuration Release
#>
[CmdletBinding()]
param(
    [int] $Runs = 11,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/KvCertPending'),
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release',
    # The pwsh to start (default: this pwsh's own launcher; under `dotnet pwsh` the process itself is dotnet).
    [string] $Pwsh = (Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' }))
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tools/KvLocalVault.psm1')

$work = [IO.Directory]::CreateTempSubdirectory('kvcertpending-coldrunbook-').FullName
$vault = Start-KvLocalVault -DataDirectory (Join-Path $work 'vault') -Configuration $Configuration
try {
    $null = Invoke-KvLocalVaultRequest -Vault $vault -Method Post -Path 'certificates/runbook/create?api-version=7.5' -Body @{
        policy = @{ x509_props = @{ subject = 'CN=runbook' }; issuer = @{ name = 'Unknown' } }
    }
    $manifest = (Resolve-Path (Join-Path $ModulePath 'KvCertPending.psd1')).Path
    $scripts = @{
        empty   = ''
        import  = "Import-Module '$manifest'"
        runbook = @"
Import-Module '$manifest'
`$token = ConvertTo-SecureString 'bench-token' -AsPlainText -Force
`$pending = Get-KvPendingCertificate -VaultUri '$($vault.VaultUri)' -Name runbook -AccessToken `$token
if (`$pending.Status -ne 'inProgress') { exit 3 }
"@
    }
    foreach ($name in $scripts.Keys) { Set-Content -LiteralPath (Join-Path $work "$name.ps1") -Value $scripts[$name] }

    $env:KVCERTPENDING_TRUSTED_CERTIFICATE = $vault.TlsCertificatePemPath
    $times = @{ empty = [Collections.Generic.List[double]]::new(); import = [Collections.Generic.List[double]]::new(); runbook = [Collections.Generic.List[double]]::new() }
    $order = 'empty', 'import', 'runbook'
    # One unmeasured round: the first start of a process reads everything from disk.
    foreach ($round in 0..$Runs) {
        foreach ($name in $order) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            & $Pwsh -NoProfile -NonInteractive -File (Join-Path $work "$name.ps1")
            $watch.Stop()
            if ($LASTEXITCODE -ne 0) { throw "$name.ps1 exited with $LASTEXITCODE." }
            if ($round -gt 0) { $times[$name].Add($watch.Elapsed.TotalMilliseconds) }
        }
    }

    function Median([double[]] $Values) {
        $sorted = $Values | Sort-Object
        if ($sorted.Count % 2) { $sorted[[int][Math]::Floor($sorted.Count / 2)] } else { ($sorted[$sorted.Count / 2 - 1] + $sorted[$sorted.Count / 2]) / 2 }
    }
    $empty = Median $times.empty
    $import = Median $times.import
    $runbook = Median $times.runbook
    $load = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 3
    [pscustomobject]@{
        Module              = $manifest
        Pwsh                = "$Pwsh ($($PSVersionTable.PSVersion))"
        Runs                = $Runs
        EmptyScriptMs       = [Math]::Round($empty)
        ImportOnlyMs        = [Math]::Round($import)
        RunbookMs           = [Math]::Round($runbook)
        ImportAddsMs        = [Math]::Round($import - $empty)
        RunbookAddsMs       = [Math]::Round($runbook - $empty)
        RunbookMinMaxMs     = '{0:n0}-{1:n0}' -f ($times.runbook | Measure-Object -Minimum -Maximum).Minimum, ($times.runbook | Measure-Object -Minimum -Maximum).Maximum
        EmptyMinMaxMs       = '{0:n0}-{1:n0}' -f ($times.empty | Measure-Object -Minimum -Maximum).Minimum, ($times.empty | Measure-Object -Minimum -Maximum).Maximum
        LoadAverageAfter    = $load -join ' '
    }
}
finally {
    Stop-KvLocalVault -Vault $vault
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
