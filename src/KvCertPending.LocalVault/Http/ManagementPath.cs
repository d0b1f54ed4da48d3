namespace KvCertPending.LocalVault.Http;

/// <summary>
/// Paths outside Key Vault's API: the local vault's management surface (<c>/_localvault/</c>) and its sign-in
/// endpoints (Entra-style token and discovery, IMDS-style managed identity), and what az reads of Azure Resource
/// Manager (the metadata document <c>/metadata/endpoints</c>; <c>/subscriptions</c> and <c>/tenants</c>, which check
/// their own tokens). No Key Vault bearer challenge, no Key Vault api-version.
/// </summary>
internal static class ManagementPath
{
    public const string Prefix = "/_localvault";

    public static bool IsManagement(PathString path)
    {
        if (path.StartsWithSegments(Prefix, StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/metadata", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/subscriptions", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/tenants", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // Checked on every request by three middlewares: the non-empty segments are found in place, nothing allocated.
        var value = (path.Value ?? string.Empty).AsSpan();
        Span<Range> segments = stackalloc Range[5];
        var count = 0;
        for (var i = 0; i < value.Length && count < segments.Length;)
        {
            if (value[i] == '/')
            {
                i++;
                continue;
            }

            var start = i;
            while (i < value.Length && value[i] != '/')
            {
                i++;
            }

            segments[count++] = start..i;
        }

        if (count < 2 || IsKeyVaultCollection(value[segments[0]]))
        {
            return false;
        }

        var second = value[segments[1]];
        return second is "oauth2" or "discovery" || (count == 4 && second is "v2.0" && value[segments[2]] is ".well-known")
            || (count == 3 && second is ".well-known"); // AD FS-style authority: /adfs/.well-known/openid-configuration
    }

    private static bool IsKeyVaultCollection(ReadOnlySpan<char> segment) =>
        segment.Equals("certificates", StringComparison.OrdinalIgnoreCase)
        || segment.Equals("deletedcertificates", StringComparison.OrdinalIgnoreCase)
        || segment.Equals("secrets", StringComparison.OrdinalIgnoreCase)
        || segment.Equals("keys", StringComparison.OrdinalIgnoreCase);
}
