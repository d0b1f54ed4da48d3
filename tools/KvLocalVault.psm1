<#
    Starts and drives a local vault (src/KvCertPending.LocalVault) from PowerShell 7, for the demo, the Pester tests and
    your own runbook tests:

        Import-Module ./tools/KvLocalVault.psm1
        $vault = Start-KvLocalVault -DataDirectory ./.localvault
        Set-KvLocalVaultIssuer -Vault $vault -Name mydigicert -DelaySeconds 2
        ...   # the module, with -VaultUri $vault.VaultUri and $env:KVCERTPENDING_TRUSTED_CERTIFICATE = $vault.TlsCertificatePemPath
        Stop-KvLocalVault -Vault $vault

    Every request here trusts exactly the vault's own TLS certificate (a custom root for that one connection pool);
    certificate validation is never switched off.
#>
#Requires -Version 7.2
Set-StrictMode -Version 3.0

$script:RepositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path

function Start-KvLocalVault {
    <#
    .SYNOPSIS
        Starts a local vault on a free loopback port, its state in -DataDirectory; returns its URI, files and process.
    .DESCRIPTION
        Runs the vault the solution build made (dotnet exec; -Configuration picks bin/Debug or bin/Release), or
        dotnet run where it was not built. -Arguments are passed on (e.g. --require-issued-tokens).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $DataDirectory,
        [string[]] $Arguments = @(),
        [ValidateSet('Debug', 'Release')] [string] $Configuration = $(if ($env:KVCERTPENDING_TEST_CONFIGURATION) { $env:KVCERTPENDING_TEST_CONFIGURATION } else { 'Debug' }),
        [TimeSpan] $StartTimeout = [TimeSpan]::FromMinutes(3)
    )

    $project = Join-Path $script:RepositoryRoot 'src/KvCertPending.LocalVault'
    $dll = Join-Path $project "bin/$Configuration/net10.0/KvCertPending.LocalVault.dll"
    $start = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    $command = if (Test-Path $dll) { @('exec', $dll) } else { @('run', '--project', $project, '--configuration', $Configuration, '--') }
    foreach ($argument in $command + @('--port', '0', '--data', $DataDirectory) + $Arguments) {
        $start.ArgumentList.Add($argument)
    }
    $start.RedirectStandardOutput = $true
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)

    $found = @{}
    $deadline = [DateTime]::UtcNow + $StartTimeout
    while ($found.Count -lt 4) {
        if ([DateTime]::UtcNow -gt $deadline -or $process.HasExited) {
            if (-not $process.HasExited) { $process.Kill($true) }
            throw "The local vault did not start (exit code: $(if ($process.HasExited) { $process.ExitCode } else { 'timeout' }))."
        }
        $line = $process.StandardOutput.ReadLine()
        switch -Regex ($line) {
            '^Local vault listening on (?<v>\S+)' { $found.Uri = $Matches.v }
            '^TLS certificate \(PEM\):\s+(?<v>.+)$' { $found.Tls = $Matches.v.Trim() }
            '^Local CA root \(PEM\):\s+(?<v>.+)$' { $found.Ca = $Matches.v.Trim() }
            '^Tenant \(401 challenge\):\s+(?<v>\S+)' { $found.Tenant = $Matches.v }
        }
    }
    # Keep draining what the vault writes later, so a full pipe never blocks it.
    $null = $process.StandardOutput.BaseStream.CopyToAsync([System.IO.Stream]::Null)

    [pscustomobject]@{
        PSTypeName            = 'KvLocalVault'
        VaultUri              = $found.Uri
        TlsCertificatePemPath = $found.Tls
        CaCertificatePemPath  = $found.Ca
        TenantId              = $found.Tenant
        Process               = $process
        Http                  = New-PinnedHttpClient -PemPath $found.Tls
    }
}

function Stop-KvLocalVault {
    <# .SYNOPSIS Stops a vault started by Start-KvLocalVault (its process tree only). #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Vault)
    process {
        $Vault.Http.Dispose()
        if (-not $Vault.Process.HasExited) {
            $Vault.Process.Kill($true)
            $null = $Vault.Process.WaitForExit(10000)
        }
        $Vault.Process.Dispose()
    }
}

function Invoke-KvLocalVaultRequest {
    <# .SYNOPSIS Sends one JSON request to the vault (any bearer token) and returns the parsed answer; throws on a non-success status. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Vault,
        [Parameter(Mandatory)] [ValidateSet('Get', 'Put', 'Post', 'Patch', 'Delete')] [string] $Method,
        [Parameter(Mandatory)] [string] $Path,
        $Body,
        [string] $Token = 'local-vault-token'
    )
    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($Method.ToUpperInvariant()), [Uri]::new([Uri]$Vault.VaultUri, $Path))
    $request.Headers.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $Token)
    if ($null -ne $Body) {
        $request.Content = [System.Net.Http.StringContent]::new(($Body | ConvertTo-Json -Depth 10), [System.Text.Encoding]::UTF8, 'application/json')
    }
    $response = $Vault.Http.SendAsync($request).GetAwaiter().GetResult()
    $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    if (-not $response.IsSuccessStatusCode) {
        throw "$Method $Path answered $([int]$response.StatusCode): $text"
    }
    if ($text) { $text | ConvertFrom-Json }
}

function Set-KvLocalVaultIssuer {
    <#
    .SYNOPSIS
        Creates (or replaces) an issuer object in the vault and sets how its simulated CA answers.
    .DESCRIPTION
        The issuer is made through the Key Vault API (PUT /certificates/issuers/{name}); its simulation (delay,
        issue / fail / reject, cancellation honoured or not) through the vault's management endpoint.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Vault,
        [Parameter(Mandatory)] [string] $Name,
        [string] $Provider = 'DigiCert',
        [double] $DelaySeconds = 0.5,
        [ValidateSet('issue', 'fail', 'reject')] [string] $Outcome = 'issue',
        [bool] $HonourCancellation = $true
    )
    $null = Invoke-KvLocalVaultRequest -Vault $Vault -Method Put -Path "certificates/issuers/$($Name)?api-version=7.5" -Body @{
        provider    = $Provider
        credentials = @{ account_id = 'local'; pwd = 'not-a-secret' }
        org_details = @{ id = 'local-org' }
    }
    $null = Invoke-KvLocalVaultRequest -Vault $Vault -Method Put -Path "_localvault/simulations/$Name" -Body @{
        delaySeconds = $DelaySeconds; outcome = $Outcome; honourCancellation = $HonourCancellation
    }
}

function New-PinnedHttpClient {
    # An HttpClient that trusts exactly one certificate: the vault's self-signed one as the only root of a custom trust
    # store for this client's connections. Host name checks stay on; nothing global changes.
    param([Parameter(Mandatory)] [string] $PemPath)
    $pinned = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem([System.IO.File]::ReadAllText($PemPath))
    $policy = [System.Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
    $policy.TrustMode = [System.Security.Cryptography.X509Certificates.X509ChainTrustMode]::CustomRootTrust
    $policy.RevocationMode = [System.Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
    $null = $policy.CustomTrustStore.Add($pinned)
    $handler = [System.Net.Http.SocketsHttpHandler]::new()
    $handler.SslOptions.CertificateChainPolicy = $policy
    [System.Net.Http.HttpClient]::new($handler) | ForEach-Object { $_.Timeout = [TimeSpan]::FromSeconds(60); $_ }
}

Export-ModuleMember -Function Start-KvLocalVault, Stop-KvLocalVault, Invoke-KvLocalVaultRequest, Set-KvLocalVaultIssuer
