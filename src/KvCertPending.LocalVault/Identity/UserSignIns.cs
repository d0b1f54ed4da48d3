using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace KvCertPending.LocalVault.Identity;

/// <summary>
/// The user sign-ins in flight (in memory only: a restart forgets them, as a sign-in page would): device codes waiting
/// for a user to approve them, authorization codes waiting to be redeemed with their PKCE verifier, and refresh tokens.
/// Every code is random, single-use and short-lived; none is ever logged.
/// </summary>
internal sealed class UserSignIns
{
    /// <summary>How long a device code or an authorization code lives.</summary>
    public static readonly TimeSpan DeviceCodeLifetime = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan AuthorizationCodeLifetime = TimeSpan.FromMinutes(5);

    /// <summary>The user an authorization request signs in when it names none (login_hint).</summary>
    public const string DefaultUser = "admin@localvault.test";

    // User codes avoid letters and digits that read alike (0/O, 1/I/L).
    private const string UserCodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

    private readonly ConcurrentDictionary<string, DeviceCode> _deviceCodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AuthorizationCode> _authorizationCodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RefreshGrant> _refreshTokens = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public UserSignIns(TimeProvider time) => _time = time;

    /// <summary>When set, every new device code is approved at once as this user (unattended demos and examples); off by default.</summary>
    public string? AutoApproveUser { get; set; }

    /// <summary>A new device code for a client; the user approves it by its user code (or it is approved at once: <see cref="AutoApproveUser"/>).</summary>
    public DeviceCode StartDeviceCode(string clientId, string scope)
    {
        RemoveExpired();
        var code = new DeviceCode(Random(32), NewUserCode(), clientId, scope, _time.GetUtcNow().Add(DeviceCodeLifetime));
        if (AutoApproveUser is { } user)
        {
            code.State = DeviceCodeState.Approved;
            code.User = user;
        }

        _deviceCodes[code.Code] = code;
        return code;
    }

    /// <summary>Plays the user: approves (or declines) the device code with this user code. Null when there is none in flight.</summary>
    public DeviceCode? Decide(string userCode, string user, bool approve)
    {
        var normalized = userCode.Trim().ToUpperInvariant();
        var found = _deviceCodes.Values.FirstOrDefault(c => c.UserCode == normalized && c.ExpiresOn > _time.GetUtcNow());
        if (found is null)
        {
            return null;
        }

        lock (found)
        {
            if (found.State == DeviceCodeState.Pending)
            {
                found.State = approve ? DeviceCodeState.Approved : DeviceCodeState.Declined;
                found.User = user;
            }
        }

        return found;
    }

    /// <summary>The token endpoint's view of a device code: what to answer the polling client (an approved code is used up).</summary>
    public (DeviceCodeState State, DeviceCode? Code) Redeem(string deviceCode, string clientId)
    {
        if (!_deviceCodes.TryGetValue(deviceCode, out var found) || found.ClientId != clientId)
        {
            return (DeviceCodeState.Unknown, null);
        }

        if (found.ExpiresOn <= _time.GetUtcNow())
        {
            _deviceCodes.TryRemove(deviceCode, out _);
            return (DeviceCodeState.Expired, null);
        }

        lock (found)
        {
            if (found.State is DeviceCodeState.Approved or DeviceCodeState.Declined)
            {
                _deviceCodes.TryRemove(deviceCode, out _);
            }

            return (found.State, found);
        }
    }

    /// <summary>A new authorization code for the redirect of an authorization request.</summary>
    public string IssueAuthorizationCode(string clientId, string redirectUri, string scope, string user, string? codeChallenge, string? challengeMethod)
    {
        RemoveExpired();
        var code = Random(32);
        _authorizationCodes[code] = new AuthorizationCode(clientId, redirectUri, scope, user, codeChallenge, challengeMethod, _time.GetUtcNow().Add(AuthorizationCodeLifetime));
        return code;
    }

    /// <summary>
    /// Redeems an authorization code (once: a second try fails, as on Entra): same client, same redirect URI, and the PKCE
    /// verifier whose S256 hash (or plain value) is the challenge of the authorization request. Returns the error or the grant.
    /// </summary>
    public (string? Error, AuthorizationCode? Grant) RedeemAuthorizationCode(string code, string clientId, string redirectUri, string? codeVerifier)
    {
        if (!_authorizationCodes.TryRemove(code, out var grant) || grant.ExpiresOn <= _time.GetUtcNow())
        {
            return ("AADSTS70008: The provided authorization code is expired, used or unknown.", null);
        }

        if (grant.ClientId != clientId || !string.Equals(grant.RedirectUri, redirectUri, StringComparison.Ordinal))
        {
            return ("AADSTS50148: The client_id or redirect_uri does not match the authorization request.", null);
        }

        if (grant.CodeChallenge is { } challenge)
        {
            var expected = codeVerifier is null ? null
                : grant.ChallengeMethod == "plain" ? codeVerifier
                : Jwt.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(codeVerifier)));
            if (expected is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(challenge)))
            {
                return ("AADSTS501481: The code_verifier does not match the code_challenge supplied in the authorization request.", null);
            }
        }

        return (null, grant);
    }

    /// <summary>A refresh token for a user's sign-in (so MSAL renews silently).</summary>
    public string IssueRefreshToken(string clientId, string user)
    {
        var token = Random(48);
        _refreshTokens[token] = new RefreshGrant(clientId, user, _time.GetUtcNow().AddDays(1));
        return token;
    }

    /// <summary>The user of a refresh token (rotated: the old one is used up), or null.</summary>
    public string? RedeemRefreshToken(string token, string clientId) =>
        _refreshTokens.TryRemove(token, out var grant) && grant.ClientId == clientId && grant.ExpiresOn > _time.GetUtcNow() ? grant.User : null;

    private void RemoveExpired()
    {
        var now = _time.GetUtcNow();
        foreach (var expired in _deviceCodes.Where(c => c.Value.ExpiresOn <= now).Select(c => c.Key).ToList())
        {
            _deviceCodes.TryRemove(expired, out _);
        }

        foreach (var expired in _authorizationCodes.Where(c => c.Value.ExpiresOn <= now).Select(c => c.Key).ToList())
        {
            _authorizationCodes.TryRemove(expired, out _);
        }
    }

    private static string NewUserCode()
    {
        var chars = new char[9];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = i == 4 ? '-' : UserCodeAlphabet[RandomNumberGenerator.GetInt32(UserCodeAlphabet.Length)];
        }

        return new string(chars);
    }

    private static string Random(int bytes) => Jwt.Encode(RandomNumberGenerator.GetBytes(bytes));

    internal enum DeviceCodeState
    {
        Unknown,
        Pending,
        Approved,
        Declined,
        Expired,
    }

    internal sealed class DeviceCode(string code, string userCode, string clientId, string scope, DateTimeOffset expiresOn)
    {
        public string Code { get; } = code;

        public string UserCode { get; } = userCode;

        public string ClientId { get; } = clientId;

        public string Scope { get; } = scope;

        public DateTimeOffset ExpiresOn { get; } = expiresOn;

        public DeviceCodeState State { get; set; } = DeviceCodeState.Pending;

        public string? User { get; set; }
    }

    internal sealed record AuthorizationCode(string ClientId, string RedirectUri, string Scope, string User, string? CodeChallenge, string? ChallengeMethod, DateTimeOffset ExpiresOn);

    private sealed record RefreshGrant(string ClientId, string User, DateTimeOffset ExpiresOn);
}
