#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Connect-KvVault against a local vault: the connection becomes the other cmdlets' default vault and sign-in.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    Initialize-KvTestSession -Vault $vault
    $VaultUri = $vault.VaultUri
    New-KvCertificate -VaultUri $VaultUri -Name 'connect-web' -Subject 'CN=connect-web' -IssuerName Unknown | Out-Null
}

AfterAll {
    Disconnect-KvVault -ErrorAction SilentlyContinue
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'Connect-KvVault' {
    It 'emits the connection without the token' {
        $connection = Connect-KvVault -VaultUri $VaultUri
        $connection.VaultUri | Should -Be ([Uri]$VaultUri)
        $connection.SignIn | Should -Be 'AccessToken'
        ($connection | Out-String) | Should -Not -Match 'pester-token'
    }

    It 'lets <Cmdlet> run without -VaultUri' -ForEach @(
        @{ Cmdlet = 'Get-KvPendingCertificate'; Script = { Get-KvPendingCertificate -Name 'connect-web' } }
        @{ Cmdlet = 'New-KvCertificate'; Script = { New-KvCertificate -Name 'connect-new' -Subject 'CN=connect-new' -IssuerName Unknown } }
    ) {
        Connect-KvVault -VaultUri $VaultUri | Out-Null
        $result = & $Script
        $result.VaultUri | Should -Be ([Uri]$VaultUri)
    }

    It 'refuses two sign-ins at once with SignInParametersInvalid' {
        { Connect-KvVault -VaultUri $VaultUri -Identity -AccessToken $PSDefaultParameterValues['*-Kv*:AccessToken'] -ErrorAction Stop } |
            Should -Throw -ErrorId 'SignInParametersInvalid*'
    }
}
