#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The module installs and works the way users install it, in real pwsh child processes:

      PSResourceGet   Register-PSResourceRepository on a folder, Publish-PSResource of the built out/KvCertPending,
                      Install-PSResource into a fresh CurrentUser scope (HOME and the XDG folders in $TestDrive), then in
                      a new process: Import-Module by name, the cmdlets, the compiled MAML help, the about topic and a
                      whole lifecycle (Self with -Wait; Unknown and -CsrPath; the CSR file signed by the local CA here;
                      Merge-KvCertificate of that chain in a third process).
      build.ps1       -Task Build,Test,Package in a copy of the working tree in $TestDrive (never in this repository),
                      narrowed with -TestFilter and -PesterPath to a few quick tests; its nupkg feeds the next block.
      PowerShellGet 2 Register-PSRepository on a folder holding that nupkg, Install-Module (PackageManagement's built-in
                      NuGet provider, no bootstrap, no network), then Import-Module by name and a smoke lifecycle.

    Slow (the build in a copy is minutes): tagged Install and Slow. Linux and macOS only (a fresh CurrentUser scope comes
    from HOME/XDG_*; Windows takes Documents from the shell, not from the environment).
#>

BeforeDiscovery {
    # A child started by this file (KVCERTPENDING_INSTALL_TESTS_NESTED) never runs it again; Windows cannot have a
    # fresh CurrentUser scope through environment variables.
    $SkipAll = [bool]$env:KVCERTPENDING_INSTALL_TESTS_NESTED -or $IsWindows
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $RepoRoot = Get-KvTestRepositoryRoot
    # Pester empties what a block put in $TestDrive when the block ends: the package goes from block to block as bytes.
    $Shared = @{ NupkgName = $null; NupkgBytes = $null; BuildRan = $false; Times = [ordered]@{} }

    function Invoke-KvChildPwsh {
        <#
            Runs this pwsh (the same executable: [Environment]::ProcessPath, which is dotnet plus $PSHOME/pwsh.dll when
            pwsh runs as a dotnet tool) with -NoProfile -NonInteractive and the given arguments; returns its exit code
            and its output (stdout and stderr, without ANSI sequences, also written to $TestDrive/logs/<Name>.log).
            $Environment: variables to set; a $null value removes the variable.
        #>
        param(
            [Parameter(Mandatory)] [string] $Name,
            [Parameter(Mandatory)] [string[]] $Arguments,
            [Parameter(Mandatory)] [string] $WorkingDirectory,
            [hashtable] $Environment = @{},
            [int] $TimeoutSeconds = 300
        )
        $executable = [Environment]::ProcessPath
        $start = [System.Diagnostics.ProcessStartInfo]::new($executable)
        if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') {
            $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll'))
        }
        foreach ($argument in @('-NoProfile', '-NonInteractive') + $Arguments) {
            $start.ArgumentList.Add($argument)
        }
        $start.WorkingDirectory = $WorkingDirectory
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.Environment['KVCERTPENDING_INSTALL_TESTS_NESTED'] = '1'
        $start.Environment['NO_COLOR'] = '1'
        foreach ($key in $Environment.Keys) {
            if ($null -eq $Environment[$key]) { [void]$start.Environment.Remove($key) }
            else { $start.Environment[$key] = [string]$Environment[$key] }
        }

        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $process = [System.Diagnostics.Process]::Start($start)
        try {
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            $timedOut = -not $process.WaitForExit($TimeoutSeconds * 1000)
            if ($timedOut) { $process.Kill($true) }
            $process.WaitForExit()
            $output = ($stdout.GetAwaiter().GetResult() + "`n" + $stderr.GetAwaiter().GetResult()) -replace '\x1b\[[0-9;?]*[A-Za-z]', ''
            $exitCode = if ($timedOut) { -1 } else { $process.ExitCode }
        }
        finally {
            $process.Dispose()
        }
        $watch.Stop()

        $logs = Join-Path $TestDrive 'logs'
        New-Item -ItemType Directory -Force -Path $logs | Out-Null
        $log = Join-Path $logs "$Name.log"
        Set-Content -Path $log -Value $output
        $Shared.Times[$Name] = $watch.Elapsed.TotalSeconds
        Write-Host ("  [{0}] exit code {1} in {2:n1} s{3}" -f $Name, $exitCode, $watch.Elapsed.TotalSeconds, $(if ($timedOut) { " (killed after $TimeoutSeconds s)" }))
        [pscustomobject]@{ ExitCode = $exitCode; Output = $output; Seconds = $watch.Elapsed.TotalSeconds; Log = $log }
    }

    function Get-KvTail([string] $Text, [int] $Length = 6000) {
        if ($Text.Length -le $Length) { $Text } else { '...' + $Text.Substring($Text.Length - $Length) }
    }

    function New-KvFreshUser {
        <# A new, empty HOME with its XDG folders (PSResourceGet needs the data folder to exist: without it .NET answers
           '' for LocalApplicationData and PSResourceGet keeps its repository list in the working directory). Returns the
           environment for a child whose CurrentUser scope and PSModulePath are only this HOME plus $PSHOME/Modules. #>
        param([Parameter(Mandatory)] [string] $Path)
        $data = Join-Path $Path '.local/share'
        foreach ($folder in $data, (Join-Path $Path '.config'), (Join-Path $Path '.cache')) {
            New-Item -ItemType Directory -Force -Path $folder | Out-Null
        }
        @{
            HOME                              = $Path
            XDG_DATA_HOME                     = $data
            XDG_CONFIG_HOME                   = Join-Path $Path '.config'
            XDG_CACHE_HOME                    = Join-Path $Path '.cache'
            PSModulePath                      = (Join-Path $data 'powershell/Modules') + [System.IO.Path]::PathSeparator + (Join-Path $PSHOME 'Modules')
            KVCERTPENDING_TRUSTED_CERTIFICATE = $null
            KVCERTPENDING_TEST_CONFIGURATION  = $null
        }
    }

    function ConvertTo-KvNormalText([string] $Text) {
        ($Text -replace '\s+', ' ').Trim()
    }

    function Invoke-KvChildStep {
        # One step in a child pwsh: -InputObject as JSON in $TestDrive/<Step>.json, the child script reads it and writes
        # its result to <Step>.result.json; returns the run (exit code, output) and that result.
        param(
            [Parameter(Mandatory)] [string] $Name,
            [Parameter(Mandatory)] [string] $Step,
            [Parameter(Mandatory)] [string] $Script,
            [Parameter(Mandatory)] [hashtable] $InputObject,
            [Parameter(Mandatory)] [string] $WorkingDirectory,
            [Parameter(Mandatory)] [hashtable] $Environment
        )
        $inputPath = Join-Path $TestDrive "$Step.json"
        $outputPath = Join-Path $TestDrive "$Step.result.json"
        $InputObject | ConvertTo-Json | Set-Content $inputPath
        $run = Invoke-KvChildPwsh -Name $Name -WorkingDirectory $WorkingDirectory -Environment $Environment `
            -Arguments '-File', $Script, '-InputPath', $inputPath, '-OutputPath', $outputPath
        $run, (Read-KvChildResult $outputPath $run)
    }

    function Read-KvChildResult([string] $Path, $Run) {
        # The JSON a child script wrote; fails with the child's output when it wrote none.
        if (-not (Test-Path $Path)) {
            throw "The child wrote no result (exit code $($Run.ExitCode)). Its output:`n$(Get-KvTail $Run.Output)"
        }
        Get-Content -Raw $Path | ConvertFrom-Json
    }

    # The child script that imports the installed module by name and uses it. Modes: Full (the help, Self with -Wait,
    # then a manual request and its CSR through -CsrPath), Merge (a later process: merge the chain the parent had the
    # local CA sign), Smoke (the help and Self with -Wait). The token is the child's own; TLS trusts exactly the vault's
    # certificate through $env:KVCERTPENDING_TRUSTED_CERTIFICATE.
    $UseScript = Join-Path $TestDrive 'use-module.ps1'
    Set-Content -Path $UseScript -Value @'
param([Parameter(Mandatory)] [string] $InputPath, [Parameter(Mandatory)] [string] $OutputPath)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$in = Get-Content -Raw $InputPath | ConvertFrom-Json
$r = [ordered]@{ Error = $null }
try {
    $r.PSModulePath = @($env:PSModulePath -split [IO.Path]::PathSeparator)
    $r.ListAvailable = @(Get-Module -ListAvailable -Name KvCertPending | ForEach-Object { $_.ModuleBase })
    $module = Import-Module KvCertPending -PassThru
    $r.ModuleBase = $module.ModuleBase
    $r.ModuleVersion = "$($module.Version)"
    $r.Commands = @(Get-Command -Module KvCertPending | Sort-Object Name | ForEach-Object { "$($_.CommandType) $($_.Name)" })
    $r.HelpFile = (Get-Command New-KvCertificate).HelpFile
    $token = ConvertTo-SecureString 'install-test-token' -AsPlainText -Force
    $uri = $in.VaultUri

    if ($in.Mode -in 'Full', 'Smoke') {
        $help = Get-Help New-KvCertificate -Full
        $r.HelpSynopsis = "$($help.Synopsis)"
        $r.HelpNameParameter = (@(($help.parameters.parameter | Where-Object name -EQ 'Name').description | ForEach-Object { $_.Text }) -join "`n")
        $r.HelpExampleTitles = @($help.examples.example | ForEach-Object { $_.title })
        $r.HelpText = $help | Out-String -Width 400
        $r.AboutText = Get-Help about_KvCertPending | Out-String -Width 400

        $self = New-KvCertificate -VaultUri $uri -Name $in.SelfName -Subject "CN=$($in.SelfName)" -IssuerName Self -Wait -Timeout 120 -AccessToken $token
        $r.SelfStatus = "$($self.Status)"
        $r.SelfTarget = "$($self.Target)"
    }

    if ($in.Mode -eq 'Full') {
        $name = $in.ManualName
        $manual = New-KvCertificate -VaultUri $uri -Name $name -Subject "CN=$name.contoso.com" -DnsName "$name.contoso.com" -IssuerName Unknown -AccessToken $token
        $r.ManualStatus = "$($manual.Status)"
        $r.ManualIssuer = "$($manual.IssuerName)"
        Get-KvPendingCertificate -VaultUri $uri -Name $name -CsrPath $in.CsrPath -AccessToken $token | Out-Null
    }

    if ($in.Mode -eq 'Merge') {
        $name = $in.ManualName
        $merged = Get-KvPendingCertificate -VaultUri $uri -Name $name -AccessToken $token | Merge-KvCertificate -Path $in.SignedPath -AccessToken $token
        $r.MergedName = "$($merged.Name)"
        $r.MergedThumbprint = "$($merged.Thumbprint)"
        $r.MergedVersion = "$($merged.Version)"
        $r.StatusAfterMerge = "$((Get-KvPendingCertificate -VaultUri $uri -Name $name -AccessToken $token).Status)"
    }

    $r.LoadedModules = @(Get-Module -Name KvCertPending -All | ForEach-Object { $_.ModuleBase })
    $r.LoadedAssemblies = @([AppDomain]::CurrentDomain.GetAssemblies() |
        Where-Object { -not $_.IsDynamic -and $_.Location -and [IO.Path]::GetFileName($_.Location) -like 'KvCertPending*.dll' } |
        ForEach-Object { $_.Location })
}
catch {
    $r.Error = ($_ | Out-String) + "`n" + $_.ScriptStackTrace
}
$r | ConvertTo-Json -Depth 5 | Set-Content -Path $OutputPath
if ($r.Error) { Write-Host $r.Error; exit 1 }
'@

    # What the help of the installed module must show: read from the help sources (en-US/), not the syntax-only help
    # PowerShell generates for a cmdlet without MAML.
    $markdown = Get-Content -Raw (Join-Path $RepoRoot 'en-US/New-KvCertificate.md')
    $HelpSource = @{
        Synopsis      = ConvertTo-KvNormalText ([regex]::Match($markdown, '(?s)## SYNOPSIS\s*(.*?)\s*## ').Groups[1].Value)
        Description   = ConvertTo-KvNormalText ([regex]::Match($markdown, '(?s)## DESCRIPTION\s*(.*?)\r?\n\s*\r?\n').Groups[1].Value)
        NameParameter = ConvertTo-KvNormalText ([regex]::Match($markdown, '(?s)### -Name\s*(.*?)\s*```yaml').Groups[1].Value)
        ExampleTitles = @([regex]::Matches($markdown, '(?m)^### (Example \d+: .+?)\s*$') | ForEach-Object { $_.Groups[1].Value })
    }
    $about = Get-Content -Raw (Join-Path $RepoRoot 'en-US/about_KvCertPending.help.txt')
    $AboutShortDescription = ConvertTo-KvNormalText ([regex]::Match($about, '(?s)SHORT DESCRIPTION\s*(.*?)\s*LONG DESCRIPTION').Groups[1].Value)
    $SourceCmdlets = @((Import-PowerShellDataFile (Join-Path $RepoRoot 'KvCertPending.psd1')).CmdletsToExport | Sort-Object)
}

AfterAll {
    if ($Shared -and $Shared.Times.Count) {
        Write-Host 'Install.Tests.ps1 times (s):'
        foreach ($entry in $Shared.Times.GetEnumerator()) { Write-Host ("  {0,-28} {1,8:n1}" -f $entry.Key, $entry.Value) }
    }
}

Describe 'PSResourceGet: Publish-PSResource of out/KvCertPending, Install-PSResource, then use it by name' -Tag Install, Slow, PSResourceGet -Skip:$SkipAll {
    BeforeAll {
        $moduleFolder = Join-Path $RepoRoot 'out/KvCertPending'
        $builtManifest = Join-Path $moduleFolder 'KvCertPending.psd1'
        if (-not (Test-Path $builtManifest)) { throw "The module is not built: $builtManifest is missing (dotnet build KvCertPending.sln)." }
        $version = (Import-PowerShellDataFile $builtManifest).ModuleVersion
        $moduleFiles = @(Get-ChildItem -Path $moduleFolder -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($moduleFolder, $_.FullName) -replace '\\', '/' } | Sort-Object)

        $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'psrg-vault')
        $user = Join-Path $TestDrive 'psrg-home'
        $environment = New-KvFreshUser -Path $user
        $work = New-Item -ItemType Directory -Force -Path (Join-Path $TestDrive 'psrg-work')
        $repository = New-Item -ItemType Directory -Force -Path (Join-Path $TestDrive 'psrg-repository')
        $repositoryName = 'KvInstallTest' + [guid]::NewGuid().ToString('n').Substring(0, 8)

        $installScript = Join-Path $TestDrive 'psrg-install.ps1'
        Set-Content -Path $installScript -Value @'
param([Parameter(Mandatory)] [string] $InputPath, [Parameter(Mandatory)] [string] $OutputPath)
$ErrorActionPreference = 'Stop'
$in = Get-Content -Raw $InputPath | ConvertFrom-Json
$r = [ordered]@{ Error = $null }
try {
    $psrg = Import-Module Microsoft.PowerShell.PSResourceGet -PassThru
    $r.PSResourceGetVersion = "$($psrg.Version)"
    Register-PSResourceRepository -Name $in.RepositoryName -Uri $in.RepositoryPath -Trusted
    $registered = Get-PSResourceRepository -Name $in.RepositoryName
    $r.RepositoryTrusted = $registered.Trusted
    Publish-PSResource -Path $in.ModuleFolder -Repository $in.RepositoryName
    $r.Packages = @(Get-ChildItem -Path $in.RepositoryPath -Filter '*.nupkg' | ForEach-Object { $_.Name })
    $r.FoundVersion = "$((Find-PSResource -Name KvCertPending -Repository $in.RepositoryName).Version)"
    $installed = Install-PSResource -Name KvCertPending -Repository $in.RepositoryName -Scope CurrentUser -PassThru
    $r.InstalledVersion = "$($installed.Version)"
    $r.InstalledLocation = $installed.InstalledLocation
    $r.UserModulePath = @($env:PSModulePath -split [IO.Path]::PathSeparator)[0]
    $folder = Join-Path $installed.InstalledLocation "KvCertPending/$($installed.Version)"
    $r.InstalledFiles = @(Get-ChildItem -Path $folder -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($folder, $_.FullName) -replace '\\', '/' })
}
catch {
    $r.Error = ($_ | Out-String) + "`n" + $_.ScriptStackTrace
}
$r | ConvertTo-Json -Depth 5 | Set-Content -Path $OutputPath
if ($r.Error) { Write-Host $r.Error; exit 1 }
'@
        $installRun, $install = Invoke-KvChildStep -Name 'PSResourceGet install' -Step 'psrg-install' -Script $installScript `
            -InputObject @{ RepositoryName = $repositoryName; RepositoryPath = "$repository"; ModuleFolder = $moduleFolder } `
            -WorkingDirectory $work -Environment $environment

        $csrPath = Join-Path $work 'install-psrg-manual.csr'
        $signedPath = Join-Path $work 'install-psrg-manual-signed.pem'
        $useEnvironment = $environment.Clone()
        $useEnvironment.KVCERTPENDING_TRUSTED_CERTIFICATE = $vault.TlsCertificatePemPath
        $useRun = $null
        $use = $null
        $mergeRun = $null
        $merge = $null
        $csrPem = $null
        $leafThumbprint = $null
        if ($installRun.ExitCode -eq 0) {
            $useRun, $use = Invoke-KvChildStep -Name 'PSResourceGet use' -Step 'psrg-use' -Script $UseScript `
                -InputObject @{ Mode = 'Full'; VaultUri = $vault.VaultUri; SelfName = 'install-psrg-self'; ManualName = 'install-psrg-manual'; CsrPath = $csrPath } `
                -WorkingDirectory $work -Environment $useEnvironment
        }
        if ($use -and -not $use.Error -and (Test-Path $csrPath)) {
            # The CSR file the installed module wrote, signed by the vault's local CA (the CA's side, not under test).
            $csrPem = Get-Content -Raw $csrPath
            $der = [Convert]::FromBase64String(($csrPem -replace '-----(BEGIN|END) CERTIFICATE REQUEST-----', '' -replace '\s', ''))
            $x5c = New-KvTestSignedChain -Vault $vault -Csr $der
            ConvertTo-KvTestPem -X5c $x5c | Set-Content -Path $signedPath
            $leafThumbprint = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new([Convert]::FromBase64String($x5c[0])).Thumbprint

            $mergeRun, $merge = Invoke-KvChildStep -Name 'PSResourceGet merge' -Step 'psrg-merge' -Script $UseScript `
                -InputObject @{ Mode = 'Merge'; VaultUri = $vault.VaultUri; ManualName = 'install-psrg-manual'; SignedPath = $signedPath } `
                -WorkingDirectory $work -Environment $useEnvironment
        }
        $installedBase = Join-Path $user ".local/share/powershell/Modules/KvCertPending/$version"
    }

    AfterAll {
        if ($vault) { Stop-KvTestVault -Vault $vault }
    }

    It 'publishes the built module to a folder repository (the Gallery manifest checks pass)' {
        $installRun.ExitCode | Should -Be 0 -Because (Get-KvTail $installRun.Output)
        $install.Error | Should -BeNullOrEmpty
        Write-Host "  Microsoft.PowerShell.PSResourceGet $($install.PSResourceGetVersion)"
        $install.PSResourceGetVersion | Should -Not -BeNullOrEmpty
        $install.RepositoryTrusted | Should -BeTrue
        $install.Packages | Should -Be @("KvCertPending.$version.nupkg")
        $install.FoundVersion | Should -Be $version
    }

    It 'installs it into the fresh CurrentUser scope, every file of out/KvCertPending' {
        $install.InstalledVersion | Should -Be $version
        $install.UserModulePath | Should -Be (Join-Path $user '.local/share/powershell/Modules')
        $install.InstalledLocation | Should -Be $install.UserModulePath
        Test-Path (Join-Path $installedBase 'KvCertPending.psd1') | Should -BeTrue
        $missing = @($moduleFiles | Where-Object { $_ -notin $install.InstalledFiles })
        $missing | Should -BeNullOrEmpty -Because 'the installed module has every file the build assembled'
    }

    It 'imports by name from the install path in a new process, exporting the 7 cmdlets' {
        $useRun.ExitCode | Should -Be 0 -Because (Get-KvTail $useRun.Output)
        $use.Error | Should -BeNullOrEmpty
        $use.PSModulePath | Should -Contain (Join-Path $user '.local/share/powershell/Modules')
        $use.PSModulePath | Should -Not -Contain (Join-Path $RepoRoot 'out')
        $use.ListAvailable | Should -Be @($installedBase)
        $use.ModuleBase | Should -Be $installedBase
        $use.ModuleVersion | Should -Be $version
        $use.Commands | Should -Be @($SourceCmdlets | ForEach-Object { "Cmdlet $_" })
        $use.Commands | Should -HaveCount 7
        $use.LoadedModules | Should -Be @($installedBase)
    }

    It 'shows the compiled MAML help of New-KvCertificate: synopsis, parameter text and examples from en-US/' {
        $use.HelpFile | Should -Be 'KvCertPending.dll-Help.xml'
        Test-Path (Join-Path $installedBase 'en-US/KvCertPending.dll-Help.xml') | Should -BeTrue
        $HelpSource.Synopsis | Should -Not -BeNullOrEmpty
        $HelpSource.Description | Should -Not -BeNullOrEmpty
        $HelpSource.NameParameter | Should -Not -BeNullOrEmpty
        $HelpSource.ExampleTitles.Count | Should -BeGreaterThan 0
        ConvertTo-KvNormalText $use.HelpSynopsis | Should -Be $HelpSource.Synopsis
        ConvertTo-KvNormalText $use.HelpNameParameter | Should -Be $HelpSource.NameParameter
        $titles = @($use.HelpExampleTitles | ForEach-Object { ($_ -replace '^-+\s*|\s*-+$', '').Trim() })
        $titles | Should -Be $HelpSource.ExampleTitles
        $text = ConvertTo-KvNormalText $use.HelpText
        $text | Should -Match ([regex]::Escape($HelpSource.Description))
        $text | Should -Match ([regex]::Escape($HelpSource.NameParameter))
        $text | Should -Match ([regex]::Escape($HelpSource.ExampleTitles[0]))
    }

    It 'shows the about_KvCertPending topic' {
        $AboutShortDescription | Should -Not -BeNullOrEmpty
        $about = ConvertTo-KvNormalText $use.AboutText
        $about | Should -BeLike 'TOPIC about_KvCertPending SHORT DESCRIPTION*'
        $about | Should -Match ([regex]::Escape($AboutShortDescription))
    }

    It 'creates a self-signed certificate with -Wait: completed' {
        $use.SelfStatus | Should -Be 'completed'
        $use.SelfTarget | Should -Be ([Uri]::new([Uri]$vault.VaultUri, 'certificates/install-psrg-self')).AbsoluteUri
    }

    It 'runs the manual flow: Unknown, the CSR through -CsrPath, signed by the local CA, merged' {
        $use.ManualStatus | Should -Be 'inProgress'
        $use.ManualIssuer | Should -Be 'Unknown'
        $csrPem | Should -Match '^-----BEGIN CERTIFICATE REQUEST-----'
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::LoadSigningRequestPem(
            $csrPem, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $request.SubjectName.Name | Should -Be 'CN=install-psrg-manual.contoso.com'

        $mergeRun.ExitCode | Should -Be 0 -Because (Get-KvTail $mergeRun.Output)
        $merge.Error | Should -BeNullOrEmpty
        $merge.ModuleBase | Should -Be $installedBase
        $merge.MergedName | Should -Be 'install-psrg-manual'
        $leafThumbprint | Should -Match '^[0-9A-F]{40}$'
        $merge.MergedThumbprint | Should -Be $leafThumbprint
        $merge.MergedVersion | Should -Match '^[0-9a-f]{32}$'
        $merge.StatusAfterMerge | Should -Be 'completed'
    }

    It 'loaded the module and its engine only from the install path' {
        foreach ($run in $use, $merge) {
            $run.LoadedModules | Should -Be @($installedBase)
            $run.LoadedAssemblies | Should -Contain (Join-Path $installedBase 'KvCertPending.dll')
            $run.LoadedAssemblies | Should -Contain (Join-Path $installedBase 'Dependencies/KvCertPending.Engine.dll')
            @($run.LoadedAssemblies | Where-Object { -not $_.StartsWith($installedBase + [IO.Path]::DirectorySeparatorChar) }) | Should -BeNullOrEmpty
        }
    }
}

Describe 'build.ps1 -Task Build,Test,Package in a copy of the working tree' -Tag Install, Slow, Build -Skip:$SkipAll {
    BeforeAll {
        $Shared.BuildRan = $true
        # The working tree as git sees it (tracked and untracked files, without what .gitignore names: bin, obj, out,
        # artifacts, TestResults); without git, the tree less those folders. Never a build in this repository.
        $copy = Join-Path $TestDrive 'repository'
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $files = $null
        if (Get-Command git -ErrorAction Ignore) {
            $listing = & git -C $RepoRoot ls-files -z --cached --others --exclude-standard 2>$null
            if ($LASTEXITCODE -eq 0 -and $listing) { $files = @(($listing -join "`n") -split "`0" | Where-Object { $_ }) }
        }
        if (-not $files) {
            $skipped = 'bin', 'obj', 'out', 'artifacts', 'TestResults', '.git', '.vs', '.localvault'
            $files = @(Get-ChildItem -Path $RepoRoot -Recurse -File -Force |
                ForEach-Object { [IO.Path]::GetRelativePath($RepoRoot, $_.FullName) -replace '\\', '/' } |
                Where-Object { -not (@($_ -split '/' | Select-Object -SkipLast 1) | Where-Object { $_ -in $skipped }) })
        }
        foreach ($relative in $files) {
            $from = Join-Path $RepoRoot $relative
            if (-not (Test-Path -LiteralPath $from -PathType Leaf)) { continue }   # deleted in the working tree
            $to = Join-Path $copy $relative
            $folder = Split-Path -Parent $to
            if (-not (Test-Path -LiteralPath $folder)) { New-Item -ItemType Directory -Force -Path $folder | Out-Null }
            Copy-Item -LiteralPath $from -Destination $to
        }
        $Shared.Times['copy of the working tree'] = $watch.Elapsed.TotalSeconds
        Write-Host ("  [copy] {0} files in {1:n1} s" -f $files.Count, $watch.Elapsed.TotalSeconds)

        $copiedProps = [xml](Get-Content -Raw (Join-Path $copy 'Directory.Build.props'))
        $version = @($copiedProps.Project.PropertyGroup.VersionPrefix | Where-Object { $_ })[0]
        # A few quick xunit tests (the manifest and the package shape) and one small Pester file.
        $testFilter = 'FullyQualifiedName~KvCertPending.Tests.ManifestTests|FullyQualifiedName~KvCertPending.Tests.PackageTests'
        $pesterPath = Join-Path $copy 'tests/Pester/Smoke.Tests.ps1'
        $command = "& ./build.ps1 -Task Build, Test, Package -Suite xunit, Pester -TestFilter '$testFilter' -PesterPath '$($pesterPath -replace "'", "''")'"
        $build = Invoke-KvChildPwsh -Name 'build.ps1 in a copy' -WorkingDirectory $copy -TimeoutSeconds 1800 `
            -Environment @{ MSBUILDDISABLENODEREUSE = '1'; KVCERTPENDING_TRUSTED_CERTIFICATE = $null; KVCERTPENDING_TEST_CONFIGURATION = $null } `
            -Arguments '-Command', $command
        $nupkg = Join-Path $copy "artifacts/KvCertPending.$version.nupkg"
        if ($build.ExitCode -eq 0 -and (Test-Path $nupkg)) {
            $Shared.NupkgName = [IO.Path]::GetFileName($nupkg)
            $Shared.NupkgBytes = [IO.File]::ReadAllBytes($nupkg)
        }
    }

    It 'exits with 0' {
        $build.ExitCode | Should -Be 0 -Because (Get-KvTail $build.Output)
    }

    It 'ran the filtered xunit tests, none failed' {
        $summary = [regex]::Match($build.Output, '(?m)^\s*(?<outcome>Passed|Failed)!\s+-\s+Failed:\s+(?<failed>\d+),\s+Passed:\s+(?<passed>\d+),.*KvCertPending\.Tests\.dll')
        $summary.Success | Should -BeTrue -Because "the xunit summary line of KvCertPending.Tests.dll: $(Get-KvTail $build.Output 3000)"
        Write-Host "  $($summary.Value.Trim())"
        $summary.Groups['outcome'].Value | Should -Be 'Passed'
        [int]$summary.Groups['failed'].Value | Should -Be 0
        [int]$summary.Groups['passed'].Value | Should -BeGreaterThan 0
    }

    It 'ran the Pester file given by -PesterPath, none failed' {
        $summary = [regex]::Match($build.Output, 'Pester summary: (?<passed>\d+) passed, (?<failed>\d+) failed, \d+ skipped, \d+ not run, (?<containers>\d+) container\(s\) failed')
        $summary.Success | Should -BeTrue -Because "the 'Pester summary:' line: $(Get-KvTail $build.Output 3000)"
        Write-Host "  $($summary.Value.Trim())"
        [int]$summary.Groups['passed'].Value | Should -BeGreaterThan 0
        [int]$summary.Groups['failed'].Value | Should -Be 0
        [int]$summary.Groups['containers'].Value | Should -Be 0
        $build.Output | Should -Match ([regex]::Escape("Running tests from '$pesterPath'"))
        Test-Path (Join-Path $copy 'TestResults/Pester-Debug.xml') | Should -BeTrue
    }

    It 'wrote artifacts/KvCertPending.<version>.nupkg with the module at its root' {
        Test-Path $nupkg | Should -BeTrue -Because (Get-KvTail $build.Output 3000)
        $build.Output | Should -Match ([regex]::Escape("Package: $nupkg"))
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($nupkg)
        try { $entries = @($zip.Entries | ForEach-Object { $_.FullName }) } finally { $zip.Dispose() }
        $entries | Should -Contain 'KvCertPending.psd1'
        $entries | Should -Contain 'KvCertPending.dll'
        $entries | Should -Contain 'Dependencies/KvCertPending.Engine.dll'
        $entries | Should -Contain 'en-US/KvCertPending.dll-Help.xml'
    }
}

Describe 'PowerShellGet 2: Install-Module of the build.ps1 package from a folder repository' -Tag Install, Slow, PowerShellGet -Skip:$SkipAll {
    BeforeAll {
        # The package the build block made; run alone (a tag filter), the one build.ps1 -Task Package left in artifacts/.
        $nupkg = $null
        $reason = $null   # why the block is skipped: run alone, with no package to install
        $failure = $null  # why it fails: the build block ran and made no package
        if ($Shared.NupkgBytes) {
            $nupkg = Join-Path (New-Item -ItemType Directory -Force -Path (Join-Path $TestDrive 'psget-package')) $Shared.NupkgName
            [IO.File]::WriteAllBytes($nupkg, $Shared.NupkgBytes)
        }
        else {
            if ($Shared.BuildRan) {
                $failure = 'build.ps1 -Task Package in the copy made no package (see the build block).'
            }
            else {
                $candidate = Get-ChildItem -Path (Join-Path $RepoRoot 'artifacts') -Filter 'KvCertPending.*.nupkg' -ErrorAction Ignore |
                    Sort-Object LastWriteTime -Descending | Select-Object -First 1
                if ($candidate) { $nupkg = $candidate.FullName } else { $reason = 'no package: run the build block too, or build.ps1 -Task Package first.' }
            }
        }

        if ($nupkg) {
            $version = [regex]::Match([IO.Path]::GetFileName($nupkg), '^KvCertPending\.(.+)\.nupkg$').Groups[1].Value
            $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'psget-vault')
            $user = Join-Path $TestDrive 'psget-home'
            $environment = New-KvFreshUser -Path $user
            $work = New-Item -ItemType Directory -Force -Path (Join-Path $TestDrive 'psget-work')
            $repository = New-Item -ItemType Directory -Force -Path (Join-Path $TestDrive 'psget-repository')
            Copy-Item -LiteralPath $nupkg -Destination $repository
            $repositoryName = 'KvInstallTest' + [guid]::NewGuid().ToString('n').Substring(0, 8)

            $installScript = Join-Path $TestDrive 'psget-install.ps1'
            Set-Content -Path $installScript -Value @'
param([Parameter(Mandatory)] [string] $InputPath, [Parameter(Mandatory)] [string] $OutputPath)
$ErrorActionPreference = 'Stop'
$in = Get-Content -Raw $InputPath | ConvertFrom-Json
$r = [ordered]@{ Error = $null }
try {
    $psget = Import-Module PowerShellGet -MaximumVersion 2.99 -PassThru
    $r.PowerShellGetVersion = "$($psget.Version)"
    # PowerShellGet 2 on PowerShell 7 installs through PackageManagement's built-in NuGet provider: no bootstrap.
    $r.NuGetProviderVersion = "$((Get-PackageProvider -ListAvailable | Where-Object Name -EQ 'NuGet' | Select-Object -First 1).Version)"
    Register-PSRepository -Name $in.RepositoryName -SourceLocation $in.RepositoryPath -PublishLocation $in.RepositoryPath -InstallationPolicy Trusted
    $r.FoundVersion = "$((Find-Module -Name KvCertPending -Repository $in.RepositoryName).Version)"
    Install-Module -Name KvCertPending -Repository $in.RepositoryName -Scope CurrentUser
    $installed = Get-InstalledModule -Name KvCertPending
    $r.InstalledVersion = "$($installed.Version)"
    $r.InstalledLocation = $installed.InstalledLocation
    $r.InstalledRepository = $installed.Repository
}
catch {
    $r.Error = ($_ | Out-String) + "`n" + $_.ScriptStackTrace
}
$r | ConvertTo-Json -Depth 5 | Set-Content -Path $OutputPath
if ($r.Error) { Write-Host $r.Error; exit 1 }
'@
            $installRun, $install = Invoke-KvChildStep -Name 'PowerShellGet install' -Step 'psget-install' -Script $installScript `
                -InputObject @{ RepositoryName = $repositoryName; RepositoryPath = "$repository" } -WorkingDirectory $work -Environment $environment

            $useEnvironment = $environment.Clone()
            $useEnvironment.KVCERTPENDING_TRUSTED_CERTIFICATE = $vault.TlsCertificatePemPath
            $useRun = $null
            $use = $null
            if ($installRun.ExitCode -eq 0) {
                $useRun, $use = Invoke-KvChildStep -Name 'PowerShellGet use' -Step 'psget-use' -Script $UseScript `
                    -InputObject @{ Mode = 'Smoke'; VaultUri = $vault.VaultUri; SelfName = 'install-psget-self' } `
                    -WorkingDirectory $work -Environment $useEnvironment
            }
            $installedBase = Join-Path $user ".local/share/powershell/Modules/KvCertPending/$version"
        }
    }

    AfterAll {
        if ($vault) { Stop-KvTestVault -Vault $vault }
    }

    It 'installs the package with Install-Module into the fresh CurrentUser scope (offline)' {
        if ($failure) { throw $failure }
        if ($reason) { Set-ItResult -Skipped -Because $reason; return }
        $installRun.ExitCode | Should -Be 0 -Because (Get-KvTail $installRun.Output)
        $install.Error | Should -BeNullOrEmpty
        Write-Host "  PowerShellGet $($install.PowerShellGetVersion), NuGet provider $($install.NuGetProviderVersion)"
        $install.PowerShellGetVersion | Should -BeLike '2.*'
        $install.NuGetProviderVersion | Should -Not -BeNullOrEmpty
        $install.FoundVersion | Should -Be $version
        $install.InstalledVersion | Should -Be $version
        $install.InstalledRepository | Should -Be $repositoryName
        $install.InstalledLocation | Should -Be $installedBase
        Test-Path (Join-Path $installedBase 'en-US/KvCertPending.dll-Help.xml') | Should -BeTrue
    }

    It 'imports by name from the install path in a new process and creates a certificate' {
        if ($failure) { throw $failure }
        if ($reason) { Set-ItResult -Skipped -Because $reason; return }
        $useRun.ExitCode | Should -Be 0 -Because (Get-KvTail $useRun.Output)
        $use.Error | Should -BeNullOrEmpty
        $use.ListAvailable | Should -Be @($installedBase)
        $use.ModuleBase | Should -Be $installedBase
        $use.Commands | Should -Be @($SourceCmdlets | ForEach-Object { "Cmdlet $_" })
        $use.HelpFile | Should -Be 'KvCertPending.dll-Help.xml'
        $titles = @($use.HelpExampleTitles | ForEach-Object { ($_ -replace '^-+\s*|\s*-+$', '').Trim() })
        $titles | Should -Be $HelpSource.ExampleTitles
        ConvertTo-KvNormalText $use.HelpSynopsis | Should -Be $HelpSource.Synopsis
        $use.SelfStatus | Should -Be 'completed'
        $use.SelfTarget | Should -Be ([Uri]::new([Uri]$vault.VaultUri, 'certificates/install-psget-self')).AbsoluteUri
        @($use.LoadedAssemblies | Where-Object { -not $_.StartsWith($installedBase + [IO.Path]::DirectorySeparatorChar) }) | Should -BeNullOrEmpty
    }
}
