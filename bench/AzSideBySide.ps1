<#
.SYNOPSIS
    The module side by side with the az CLI: the same pending-certificate steps against one local vault, cold (a
    fresh process per step) and warm (ten steps in one pwsh session against ten az commands).

.DESCRIPTION
    Starts a local vault that requires tokens it issued (tools/KvLocalVault.psm1), signs az in to it through a
    registered cloud (as tests/Python/test_az_cli.py does, in a configuration folder of its own), and takes a Key Vault
    token from az for the module's -AccessToken, so both present the same kind of token and neither signs in during
    a step (az reads its token cache; the module is given the token).

    Steps (each on a certificate of its own, prepared beforehand: pending requests, and chains signed by the local CA):
      get     one pending certificate   az rest GET .../pending              Get-KvPendingCertificate
      merge   one chain (PEM)           az rest POST .../pending/merge       Merge-KvCertificate -Path chain.pem
      create  with issuer Unknown       az rest POST .../create              New-KvCertificate -IssuerName Unknown
    az rest is az's own command for any REST call: Debian's azure-cli 2.45 cannot run `az keyvault certificate ...`
    (it lacks the track-1 SDK azure-keyvault 1.1; Azure/azure-cli#26835). Where an az with a working
    `az keyvault certificate` exists, -AzKeyvaultCommands measures those instead.

    Cold: `az ...` against `pwsh -NoProfile -NonInteractive -File step.ps1` (Import-Module, then the step), fresh
    processes, interleaved, medians of -Runs. Warm: one pwsh process that imports the module and runs ten steps (five
    gets, five merges), timed from start to exit and inside (the ten steps alone), against ten az processes.
    Figures go in docs/performance.md; nothing asserts a time.

.EXAMPLE
    dotnet build -c Release KvCertPending.sln; dotnet pwsh bench/AzSideBySide.ps1 -Runs 7
#>
[CmdletBinding()]
param(
    [int] $Runs = 7,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/KvCertPending'),
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release',
    [string] $Pwsh = (Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })),
    # Measure az keyvault certificate pending show / pending merge / create instead of az rest (needs an az that runs them).
    [switch] $AzKeyvaultCommands
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tools/KvLocalVault.psm1')
if (-not (Get-Command az -ErrorAction SilentlyContinue)) { throw 'az is not on PATH (Debian: apt-get install azure-cli).' }

$api = 'api-version=7.4'
$work = [IO.Directory]::CreateTempSubdirectory('kvcertpending-azbench-').FullName
$vault = Start-KvLocalVault -DataDirectory (Join-Path $work 'vault') -Configuration $Configuration -Arguments '--require-issued-tokens'
$saved = @{ AZURE_CONFIG_DIR = $env:AZURE_CONFIG_DIR; REQUESTS_CA_BUNDLE = $env:REQUESTS_CA_BUNDLE }
try {
    $env:AZURE_CONFIG_DIR = Join-Path $work 'az'
    $env:REQUESTS_CA_BUNDLE = $vault.TlsCertificatePemPath
    $env:AZURE_CORE_COLLECT_TELEMETRY = 'false'
    $env:KVCERTPENDING_TRUSTED_CERTIFICATE = $vault.TlsCertificatePemPath
    $port = ([uri]$vault.VaultUri).Port
    $vaultUrl = $vault.VaultUri.ToString().TrimEnd('/')

    function Invoke-Az {
        $output = & az @args --output json 2>&1
        if ($LASTEXITCODE -ne 0) { throw "az $($args -join ' ') failed: $($output | Select-Object -Last 5)" }
        $output
    }
    $null = Invoke-Az cloud register --name "LocalVaultBench$port" --endpoint-resource-manager "$vaultUrl/" --suffix-keyvault-dns ":$port"
    $null = Invoke-Az cloud set --name "LocalVaultBench$port"
    $null = Invoke-Az login --service-principal -u 6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d -p not-checked --tenant $vault.TenantId --allow-no-subscriptions
    $token = (Invoke-Az account get-access-token --resource https://vault.azure.net | ConvertFrom-Json).accessToken
    Set-Content -LiteralPath (Join-Path $work 'token.txt') -Value $token

    # Prepared certificates: a pending request per get and merge, and a signed chain (PEM for the module, x5c JSON for az rest).
    function New-Pending([string] $Name, [switch] $WithChain) {
        $created = Invoke-KvLocalVaultRequest -Vault $vault -Method Post -Path "certificates/$Name/create?$api" -Token $token -Body @{
            policy = @{ x509_props = @{ subject = "CN=$Name" }; issuer = @{ name = 'Unknown' } }
        }
        if ($WithChain) {
            $x5c = (Invoke-KvLocalVaultRequest -Vault $vault -Method Post -Path '_localvault/ca/sign' -Body @{ csr = $created.csr }).x5c
            Set-Content -LiteralPath (Join-Path $work "$Name.pem") -Value ($x5c | ForEach-Object { "-----BEGIN CERTIFICATE-----`n$_`n-----END CERTIFICATE-----" })
            Set-Content -LiteralPath (Join-Path $work "$Name.json") -Value (@{ x5c = $x5c } | ConvertTo-Json)
        }
    }

    $manifest = (Resolve-Path (Join-Path $ModulePath 'KvCertPending.psd1')).Path
    $prologue = "Import-Module '$manifest'`n`$kv = @{ VaultUri = '$vaultUrl'; AccessToken = (ConvertTo-SecureString (Get-Content -Raw '$work/token.txt').Trim() -AsPlainText -Force) }"
    $steps = [ordered]@{
        get    = @{
            Module = { param($n) "`$null = Get-KvPendingCertificate @kv -Name $n" }
            Az     = { param($n) if ($AzKeyvaultCommands) { @('keyvault', 'certificate', 'pending', 'show', '--vault-name', 'localhost', '--name', $n) } else { @('rest', '--url', "$vaultUrl/certificates/$n/pending?$api", '--resource', 'https://vault.azure.net') } }
            Prepare = { param($n) New-Pending $n }
        }
        merge  = @{
            Module = { param($n) "`$null = Merge-KvCertificate @kv -Name $n -Path '$work/$n.pem'" }
            Az     = { param($n) if ($AzKeyvaultCommands) { @('keyvault', 'certificate', 'pending', 'merge', '--vault-name', 'localhost', '--name', $n, '--file', "$work/$n.pem") } else { @('rest', '--method', 'post', '--url', "$vaultUrl/certificates/$n/pending/merge?$api", '--resource', 'https://vault.azure.net', '--body', "@$work/$n.json") } }
            Prepare = { param($n) New-Pending $n -WithChain }
        }
        create = @{
            Module = { param($n) "`$null = New-KvCertificate @kv -Name $n -Subject 'CN=$n' -IssuerName Unknown" }
            Az     = { param($n) if ($AzKeyvaultCommands) { @('keyvault', 'certificate', 'create', '--vault-name', 'localhost', '--name', $n, '--policy', "@$work/unknown-policy.json") } else { @('rest', '--method', 'post', '--url', "$vaultUrl/certificates/$n/create?$api", '--resource', 'https://vault.azure.net', '--body', "@$work/unknown-create.json") } }
            Prepare = { param($n) }
        }
    }
    Set-Content -LiteralPath (Join-Path $work 'unknown-create.json') -Value '{"policy":{"issuer":{"name":"Unknown"},"x509_props":{"subject":"CN=az-bench"}}}'
    Set-Content -LiteralPath (Join-Path $work 'unknown-policy.json') -Value '{"issuerParameters":{"name":"Unknown"},"x509CertificateProperties":{"subject":"CN=az-bench"}}'

    function Measure-Process([scriptblock] $Run) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        & $Run
        $watch.Stop()
        if ($LASTEXITCODE -ne 0) { throw "A measured process exited with $LASTEXITCODE." }
        $watch.Elapsed.TotalMilliseconds
    }
    function Median([double[]] $Values) {
        $sorted = @($Values | Sort-Object)
        if ($sorted.Count % 2) { $sorted[[int][Math]::Floor($sorted.Count / 2)] } else { ($sorted[$sorted.Count / 2 - 1] + $sorted[$sorted.Count / 2]) / 2 }
    }

    # Cold: one unmeasured round first (the first start of each program reads it from disk).
    $results = foreach ($step in $steps.Keys) {
        $times = @{ module = [Collections.Generic.List[double]]::new(); az = [Collections.Generic.List[double]]::new() }
        foreach ($round in 0..$Runs) {
            foreach ($tool in 'module', 'az') {
                $name = "cold-$step-$tool-$round"
                & $steps[$step].Prepare $name
                if ($tool -eq 'module') {
                    $script = Join-Path $work "$name.ps1"
                    Set-Content -LiteralPath $script -Value ($prologue + "`n" + (& $steps[$step].Module $name))
                    $ms = Measure-Process { & $Pwsh -NoProfile -NonInteractive -File $script }
                }
                else {
                    $arguments = & $steps[$step].Az $name
                    $ms = Measure-Process { $null = & az @arguments 2>&1 }
                }
                if ($round -gt 0) { $times[$tool].Add($ms) }
            }
        }
        $module = Median $times.module
        $az = Median $times.az
        [pscustomobject]@{ Comparison = "cold: $step"; ModuleMs = [Math]::Round($module); AzMs = [Math]::Round($az); AzOverModule = [Math]::Round($az / $module, 2) }
    }

    # The floor under every cold module step: pwsh itself running an empty script.
    $emptyScript = Join-Path $work 'empty.ps1'
    Set-Content -LiteralPath $emptyScript -Value ''
    $empty = Median @(0..$Runs | ForEach-Object { Measure-Process { & $Pwsh -NoProfile -NonInteractive -File $emptyScript } } | Select-Object -Skip 1)
    $results += [pscustomobject]@{ Comparison = 'cold: empty pwsh script (the floor)'; ModuleMs = [Math]::Round($empty); AzMs = $null; AzOverModule = $null }

    # Warm: five gets and five merges, in one pwsh session, and as ten az processes.
    $warmNames = 1..5 | ForEach-Object { "warm-$_" }
    foreach ($tool in 'module', 'az') { foreach ($n in $warmNames) { New-Pending "$n-$tool" -WithChain } }
    $body = foreach ($n in $warmNames) { & $steps.get.Module "$n-module"; & $steps.merge.Module "$n-module" }
    $warmScript = Join-Path $work 'warm.ps1'
    Set-Content -LiteralPath $warmScript -Value ($prologue + "`n`$watch = [Diagnostics.Stopwatch]::StartNew()`n" + ($body -join "`n") + "`n[Console]::Out.WriteLine(`$watch.Elapsed.TotalMilliseconds)")
    $inside = $null
    $moduleWarm = Measure-Process { $script:inside = [double](& $Pwsh -NoProfile -NonInteractive -File $warmScript | Select-Object -Last 1) }
    $azWarm = Measure-Process {
        foreach ($n in $warmNames) {
            foreach ($step in 'get', 'merge') {
                $arguments = & $steps[$step].Az "$n-az"
                $null = & az @arguments 2>&1
                if ($LASTEXITCODE -ne 0) { throw "az $step failed." }
            }
        }
    }
    $results += [pscustomobject]@{ Comparison = 'warm: ten steps, whole (pwsh process incl. import)'; ModuleMs = [Math]::Round($moduleWarm); AzMs = [Math]::Round($azWarm); AzOverModule = [Math]::Round($azWarm / $moduleWarm, 2) }
    $results += [pscustomobject]@{ Comparison = 'warm: per step (module: inside the session)'; ModuleMs = [Math]::Round($inside / 10); AzMs = [Math]::Round($azWarm / 10); AzOverModule = [Math]::Round($azWarm / $inside, 2) }

    $load = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 3
    Write-Host "az: $((& az version --output json | ConvertFrom-Json).'azure-cli') ($(if ($AzKeyvaultCommands) { 'az keyvault certificate' } else { 'az rest' })); pwsh: $Pwsh; runs: $Runs; load average after: $($load -join ' ')"
    $results | Format-Table -AutoSize | Out-String | Write-Host
}
finally {
    Stop-KvLocalVault -Vault $vault
    foreach ($key in $saved.Keys) { Set-Item "env:$key" -Value $saved[$key] -ErrorAction SilentlyContinue; if ($null -eq $saved[$key]) { Remove-Item "env:$key" -ErrorAction SilentlyContinue } }
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
