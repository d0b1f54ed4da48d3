using System.Security.Cryptography;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Hosting;

namespace KvCertPending.LocalVault.Identity;

/// <summary>
/// Issues and checks the access tokens of the vault's sign-in endpoints: RS256 JWTs signed with a key kept in the
/// data folder, for one tenant, audience the requested resource (Key Vault: https://vault.azure.net).
/// </summary>
internal sealed class TokenIssuer : IDisposable
{
    public const string KeyFileName = "token-signing-key.pem";
    public const string KeyVaultResource = "https://vault.azure.net";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    private readonly RSA _key;
    private readonly string _keyId;
    private readonly TimeProvider _time;

    private TokenIssuer(RSA key, string tenantId, TimeProvider time)
    {
        _key = key;
        _time = time;
        TenantId = tenantId;
        _keyId = Jwt.Encode(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
    }

    public string TenantId { get; }

    public static TokenIssuer LoadOrCreate(string dataDirectory, string tenantId, TimeProvider time)
    {
        var path = Path.Combine(dataDirectory, KeyFileName);
        var key = RSA.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or ArgumentException or CryptographicException)
        {
            key.Dispose();
            key = RSA.Create(2048);
            PemCertificateFiles.WriteOwnerOnly(path, key.ExportPkcs8PrivateKeyPem());
        }

        return new TokenIssuer(key, tenantId, time);
    }

    /// <summary>
    /// A token for <paramref name="resource"/> on behalf of an application (client id) or a managed identity, or, with
    /// <paramref name="user"/>, of a user signed in through that client (device code, authorization code).
    /// </summary>
    public (string Token, DateTimeOffset ExpiresOn) Issue(string resource, string clientId, string issuerHost, string? user = null)
    {
        var now = _time.GetUtcNow();
        var expires = now.Add(Lifetime);
        var claims = Claims(now, expires, resource, issuerHost);
        var subject = user is null ? clientId : UserObjectId(user);
        claims["oid"] = subject;
        claims["sub"] = subject;
        claims["appid"] = clientId;
        claims["azp"] = clientId;
        claims["idtyp"] = user is null ? "app" : "user";
        if (user is not null)
        {
            claims["upn"] = user;
            claims["scp"] = "user_impersonation";
        }

        return (Jwt.Sign(claims, _key, _keyId), expires);
    }

    /// <summary>The OpenID Connect id token of a user sign-in (audience: the client), which MSAL reads the account from.</summary>
    public string IssueIdToken(string clientId, string issuerHost, string user)
    {
        var now = _time.GetUtcNow();
        var claims = Claims(now, now.Add(Lifetime), clientId, issuerHost);
        claims["oid"] = UserObjectId(user);
        claims["sub"] = UserObjectId(user);
        claims["preferred_username"] = user;
        claims["name"] = user;
        return Jwt.Sign(claims, _key, _keyId);
    }

    /// <summary>A user's object id: stable for a user name, so a user is the same account at every sign-in.</summary>
    public static string UserObjectId(string user) =>
        new Guid(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(user.ToLowerInvariant()))[..16]).ToString();

    private JsonObject Claims(DateTimeOffset now, DateTimeOffset expires, string audience, string issuerHost) => new()
    {
        ["aud"] = audience,
        ["iss"] = $"https://{issuerHost}/{TenantId}/v2.0",
        ["iat"] = now.ToUnixTimeSeconds(),
        ["nbf"] = now.AddMinutes(-5).ToUnixTimeSeconds(),
        ["exp"] = expires.ToUnixTimeSeconds(),
        ["tid"] = TenantId,
        ["ver"] = "2.0",
    };

    /// <summary>The audiences a resource-manager token may carry (Azure's two names for Azure Resource Manager).</summary>
    public static readonly string[] ResourceManagerResources = ["https://management.core.windows.net", "https://management.azure.com"];

    /// <summary>True for a token this vault issued, for Key Vault, for this tenant, and not expired.</summary>
    public bool IsValidKeyVaultToken(string token) => IsValidToken(token, [KeyVaultResource]);

    /// <summary>True for a token this vault issued, for one of <paramref name="audiences"/> (no trailing slash), for this tenant, and not expired.</summary>
    public bool IsValidToken(string token, string[] audiences)
    {
        var claims = Jwt.Verify(token, _key);
        if (claims is null)
        {
            return false;
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        return Array.IndexOf(audiences, Text(claims, "aud")?.TrimEnd('/')) >= 0
            && Text(claims, "tid") == TenantId
            && claims["exp"] is JsonValue exp && exp.TryGetValue<long>(out var expires) && expires > now
            && claims["nbf"] is JsonValue nbf && nbf.TryGetValue<long>(out var notBefore) && notBefore <= now;
    }

    public void Dispose() => _key.Dispose();

    private static string? Text(JsonObject claims, string name) =>
        claims[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
