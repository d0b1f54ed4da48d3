@{
    RootModule           = 'KvCertPending.dll'
    ModuleVersion        = '0.0.0-dev'
    GUID                 = '6f1c2a4e-3d7b-4b0e-9a51-2c8f7e5d4b10'
    Author               = 'KvCertPending contributors'
    CompanyName          = 'KvCertPending'
    Copyright            = '(c) 2026 KvCertPending contributors. MIT License.'
    Description          = 'Drive Azure Key Vault pending certificate creation: create, watch, cancel, remove and merge.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    CmdletsToExport      = @('New-KvCertificate', 'Get-KvPendingCertificate', 'Stop-KvPendingCertificate', 'Remove-KvPendingCertificate', 'Merge-KvCertificate')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('Azure', 'KeyVault', 'Certificate', 'PKI', 'CSR')
            ProjectUri = 'https://github.com/kvcertpending/KvCertPending'
            LicenseUri = 'https://github.com/kvcertpending/KvCertPending/blob/main/LICENSE'
        }
    }
}
