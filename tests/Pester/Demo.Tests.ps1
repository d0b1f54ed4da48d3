<#
    The README's demo command in real pwsh: demo/demo.ps1 alone starts a local vault, imports the built module, runs
    every step and stops the vault. Run here as a newcomer runs it, in a child pwsh (-NoBuild: the test command has
    just built the solution), and checked by its exit code and what it printed.
#>

Describe 'demo/demo.ps1 in pwsh' -Tag Demo {
    BeforeAll {
        $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
        # This pwsh's own launcher (under `dotnet pwsh` the process itself is dotnet).
        $pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
        $output = & $pwsh -NoProfile -NonInteractive -File (Join-Path $root 'demo/demo.ps1') -NoBuild -DataDirectory "$TestDrive/vault" 2>&1 |
            ForEach-Object { "$_" }
        $exitCode = $LASTEXITCODE
        # Colours are for a console; compare the text.
        $text = ($output -join "`n") -replace "`e\[[0-9;]*m", ''
    }

    It 'exits with 0' {
        $exitCode | Should -Be 0 -Because $text
    }

    It 'shows each step in order' {
        $positions = '=== 1.', '=== 2.', '=== 3.', '=== 4.', '=== 5.', '=== 6.' | ForEach-Object { $text.IndexOf($_) }
        $positions | Should -Not -Contain -1
        ($positions | Sort-Object) | Should -Be $positions
    }

    It 'shows <Expected>' -ForEach @(
        @{ Expected = '-----BEGIN CERTIFICATE REQUEST-----' }
        @{ Expected = 'CN=demo-manual.contoso.test' }
        @{ Expected = 'demo-digicert' }
        @{ Expected = 'cancelled' }
        @{ Expected = 'Get after removal: PendingCertificateNotFound' }
        @{ Expected = 'Error id : PendingCertificateInProgress' }
        @{ Expected = 'Category : ResourceExists' }
    ) {
        $text | Should -BeLikeExactly "*$Expected*"
    }

    It 'stops the vault it started' {
        # The data folder was given, so it is kept; its vault process is gone (the SQLite file is no longer locked open by it).
        Get-ChildItem "$TestDrive/vault" | Should -Not -BeNullOrEmpty
        Get-Process -Name dotnet -ErrorAction SilentlyContinue |
            Where-Object { $_.CommandLine -like "*$TestDrive/vault*" } | Should -BeNullOrEmpty
    }
}
