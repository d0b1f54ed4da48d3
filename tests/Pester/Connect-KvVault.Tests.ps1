#Requires -Version 7.2
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Connect-KvVault against a local vault: the connection becomes the other cmdlets' default vault and sign-in.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'KvCertPending.TestHelper.psm1') -Force
    $vault = Start-KvTestVault -DataDirectory (Join-Path $TestDrive 'vault')
    # Not connected: each test connects as it needs to.
    Initialize-KvTestSession -Vault $vault
    $VaultUri = $vault.VaultUri
    New-KvCertificate -VaultUri $VaultUri -Name 'connect-web' -Subject 'CN=connect-web' -IssuerName Unknown | Out-Null
    New-KvCertificate -VaultUri $VaultUri -Name 'connect-stop' -Subject 'CN=connect-stop' -IssuerName Unknown | Out-Null
}

AfterAll {
    if ($vault) { Stop-KvTestVault -Vault $vault }
}

Describe 'Connect-KvVault' {
    BeforeEach {
        Disconnect-KvVault
    }

    It 'emits the connection without the token' {
        $connection = Connect-KvVault -VaultUri $VaultUri -AccessToken (Get-KvTestToken)
        $connection.VaultUri | Should -Be ([Uri]$VaultUri)
        $connection.SignIn | Should -Be 'AccessToken'
        ($connection | Format-List * | Out-String) | Should -Not -Match 'pester-token'
    }

    It 'lets <Cmdlet> run without -VaultUri' -ForEach @(
        @{ Cmdlet = 'Get-KvPendingCertificate'; Script = { Get-KvPendingCertificate -Name 'connect-web' } }
        @{ Cmdlet = 'New-KvCertificate'; Script = { New-KvCertificate -Name 'connect-new' -Subject 'CN=connect-new' -IssuerName Unknown } }
        @{ Cmdlet = 'Stop-KvPendingCertificate'; Script = { Stop-KvPendingCertificate -Name 'connect-stop' -Force } }
    ) {
        # Without the connection the same call has no vault.
        { $ErrorActionPreference = 'Stop'; & $Script } | Should -Throw -ErrorId 'VaultNotSpecified,*'
        Connect-KvVault -VaultUri $VaultUri | Out-Null
        $result = & $Script
        $result.VaultUri | Should -Be ([Uri]$VaultUri)
    }

    It 'is used for sign-in too: the token of the connection reaches the vault without -AccessToken' {
        Connect-KvVault -VaultUri $VaultUri -AccessToken (Get-KvTestToken) | Out-Null
        # No default for -AccessToken in this call's scope: only the connection can sign in.
        $PSDefaultParameterValues = @{}
        (Get-KvPendingCertificate -Name 'connect-web').Name | Should -Be 'connect-web'
    }

    It 'lets explicit -VaultUri win over the connection' {
        Connect-KvVault -VaultName 'contoso-pester' | Out-Null
        (Get-KvPendingCertificate -VaultUri $VaultUri -Name 'connect-web').VaultUri | Should -Be ([Uri]$VaultUri)
    }

    It 'refuses two sign-ins at once with SignInParametersInvalid' {
        $failure = { Connect-KvVault -VaultUri $VaultUri -Identity -AccessToken (Get-KvTestToken) -ErrorAction Stop } |
            Should -Throw -ErrorId 'SignInParametersInvalid,*' -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}
