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

    /// <summary>A token for <paramref name="resource"/> on behalf of an application (client id) or a managed identity.</summary>
    public (string Token, DateTimeOffset ExpiresOn) Issue(string resource, string clientId, string issuerHost)
    {
        var now = _time.GetUtcNow();
        var expires = now.Add(Lifetime);
        var claims = new JsonObject
        {
            ["aud"] = resource,
            ["iss"] = $"https://{issuerHost}/{TenantId}/v2.0",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.AddMinutes(-5).ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["tid"] = TenantId,
            ["oid"] = clientId,
            ["sub"] = clientId,
            ["appid"] = clientId,
            ["azp"] = clientId,
            ["idtyp"] = "app",
            ["ver"] = "2.0",
        };
        return (Jwt.Sign(claims, _key, _keyId), expires);
    }

    /// <summary>True for a token this vault issued, for Key Vault, for this tenant, and not expired.</summary>
    public bool IsValidKeyVaultToken(string token)
    {
        var claims = Jwt.Verify(token, _key);
        if (claims is null)
        {
            return false;
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        return Text(claims, "aud")?.TrimEnd('/') == KeyVaultResource
            && Text(claims, "tid") == TenantId
            && claims["exp"] is JsonValue exp && exp.TryGetValue<long>(out var expires) && expires > now
            && claims["nbf"] is JsonValue nbf && nbf.TryGetValue<long>(out var notBefore) && notBefore <= now;
    }

    public void Dispose() => _key.Dispose();

    private static string? Text(JsonObject claims, string name) =>
        claims[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
