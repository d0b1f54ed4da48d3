namespace KvCertPending.LocalVault.Http;

/// <summary>
/// Paths outside Key Vault's API: the local vault's management surface (<c>/_localvault/</c>) and its sign-in
/// endpoints (Entra-style token and discovery, IMDS-style managed identity). No bearer token, no api-version.
/// </summary>
internal static class ManagementPath
{
    public const string Prefix = "/_localvault";

    private static readonly HashSet<string> KeyVaultCollections = new(StringComparer.OrdinalIgnoreCase) { "certificates", "deletedcertificates", "secrets", "keys" };

    public static bool IsManagement(PathString path)
    {
        if (path.StartsWithSegments(Prefix, StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/metadata/identity", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var segments = (path.Value ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2 || KeyVaultCollections.Contains(segments[0]))
        {
            return false;
        }

        return segments[1] is "oauth2" or "discovery" || (segments.Length == 4 && segments[1] == "v2.0" && segments[2] == ".well-known");
    }
}
