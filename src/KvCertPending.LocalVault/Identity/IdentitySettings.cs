using System.Security.Cryptography;

namespace KvCertPending.LocalVault.Identity;

/// <summary>The sign-in side of the vault: its tenant, and the secret header of its managed-identity endpoint.</summary>
internal sealed class IdentitySettings
{
    /// <summary>The tenant the vault's token endpoint serves and its 401 challenge names.</summary>
    public const string DefaultTenantId = "7c8f2f3a-4b1e-4c6d-9e2a-5b3c1d0e8f71";

    /// <summary>App Service / Azure Automation style managed-identity endpoint (IDENTITY_ENDPOINT).</summary>
    public const string ManagedIdentityPath = "/_localvault/identity/token";

    /// <summary>IMDS-style endpoint (reached with AZURE_POD_IDENTITY_AUTHORITY_HOST = the vault URI).</summary>
    public const string ImdsPath = "/metadata/identity/oauth2/token";

    /// <summary>
    /// The file in the data folder where the command-line vault writes <see cref="ManagedIdentityHeader"/> at every
    /// start (owner-only, like the key files), so a client in another process can set IDENTITY_HEADER from it.
    /// </summary>
    public const string ManagedIdentityHeaderFileName = "managed-identity-header";

    /// <summary>The object id a system-assigned managed identity gets in its tokens.</summary>
    public const string SystemAssignedId = "0b7e3f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";

    public IdentitySettings(string tenantId, bool requireIssuedTokens)
    {
        TenantId = tenantId;
        RequireIssuedTokens = requireIssuedTokens;
        ManagedIdentityHeader = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
    }

    public string TenantId { get; }

    /// <summary>User sign-ins in flight: device codes, authorization codes, refresh tokens.</summary>
    public UserSignIns UserSignIns { get; } = new(TimeProvider.System);

    public bool RequireIssuedTokens { get; }

    /// <summary>The value X-IDENTITY-HEADER must carry (IDENTITY_HEADER); new at every start, never logged.</summary>
    public string ManagedIdentityHeader { get; }

    public string Challenge =>
        $"Bearer authorization=\"https://login.windows.net/{TenantId}\", resource=\"{TokenIssuer.KeyVaultResource}\"";
}
