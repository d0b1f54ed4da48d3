namespace KvCertPending.LocalVault.Http;

/// <summary>The local vault's own management surface, outside the Key Vault API: no token, no api-version.</summary>
internal static class ManagementPath
{
    public const string Prefix = "/_localvault";

    public static bool IsManagement(PathString path) => path.StartsWithSegments(Prefix, StringComparison.OrdinalIgnoreCase);
}
