#
# Module manifest for KvCertPending.
# ModuleVersion stays '0.0.0' here: the build (src/KvCertPending/KvCertPending.csproj, target AssembleModule) writes the
# version from Directory.Build.props (VersionPrefix) into the built copy, out/KvCertPending/KvCertPending.psd1.
# Keep this file ASCII: Windows PowerShell 5.1 reads a BOM-less psd1 in the system code page.
#
@{
    RootModule           = 'KvCertPending.dll'
    ModuleVersion        = '0.0.0'
    GUID                 = '6f1c2a4e-3d7b-4b0e-9a51-2c8f7e5d4b10'
    Author               = 'KvCertPending contributors'
    CompanyName          = 'KvCertPending'
    Copyright            = '(c) 2026 KvCertPending contributors. MIT License.'
    Description          = 'Drive Azure Key Vault pending certificate creation from PowerShell: create a certificate with an issuer or as a CSR, watch and wait for the pending request, cancel it, remove it, and merge the signed chain (PEM, DER or PKCS#7). Includes a local vault for tests and demos.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    # Windows PowerShell 5.1 needs .NET Framework 4.7.2 for the netstandard2.0 assembly and its dependencies.
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('KvCertPending.format.ps1xml')
    TypesToProcess       = @('KvCertPending.types.ps1xml')
    CmdletsToExport      = @(
        'New-KvCertificate'
        'Get-KvPendingCertificate'
        'Stop-KvPendingCertificate'
        'Remove-KvPendingCertificate'
        'Merge-KvCertificate'
        'Connect-KvVault'
        'Disconnect-KvVault'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Azure', 'KeyVault', 'Certificate', 'PendingCertificate', 'CSR', 'PKI', 'X509', 'Merge', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/kvcertpending/KvCertPending'
            LicenseUri   = 'https://github.com/kvcertpending/KvCertPending/blob/main/LICENSE'
            ReleaseNotes = 'First release: New-KvCertificate, Get-KvPendingCertificate (with -CsrPath and -Wait), Stop-KvPendingCertificate, Remove-KvPendingCertificate and Merge-KvCertificate (PEM, DER, PKCS#7 or X509Certificate2 chains), plus a local vault. Full history: https://github.com/kvcertpending/KvCertPending/blob/main/CHANGELOG.md'
        }
    }
}
