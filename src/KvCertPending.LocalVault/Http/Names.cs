namespace KvCertPending.LocalVault.Http;

/// <summary>Object names and versions as Key Vault accepts them.</summary>
internal static class Names
{
    private static readonly System.Buffers.SearchValues<char> NameCharacters =
        System.Buffers.SearchValues.Create("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-");

    /// <summary>1-127 characters of 0-9, a-z, A-Z and '-'; otherwise 400 BadParameter.</summary>
    public static string Require(string? name, string kind = "certificate")
    {
        if (!IsValid(name))
        {
            throw VaultErrors.BadParameter($"The {kind} name '{name}' is invalid. A name must be 1-127 characters long and contain only 0-9, a-z, A-Z and '-'.");
        }

        return name!;
    }

    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 127 && !name.AsSpan().ContainsAnyExcept(NameCharacters);

    /// <summary>A version id: 32 lowercase hex characters.</summary>
    public static string NewVersion() => Guid.NewGuid().ToString("N");

    /// <summary>Versions are 32 hex characters; anything else cannot exist (404 rather than 400, as the service does).</summary>
    public static bool IsVersionShaped(string version) =>
        version.Length == 32 && version.All(char.IsAsciiHexDigit);
}
