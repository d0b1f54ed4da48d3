using KvCertPending.LocalVault.Identity;

namespace KvCertPending.LocalVault.Http;

/// <summary>
/// Key Vault's challenge-based authentication: a request without <c>Authorization: Bearer ...</c> gets 401 with
/// the <c>WWW-Authenticate</c> challenge before anything else is looked at. Any token is accepted, unless the vault
/// requires tokens it issued itself (<see cref="LocalVaultOptions.RequireIssuedTokens"/>).
/// </summary>
internal static class BearerChallenge
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (ManagementPath.IsManagement(context.Request.Path))
        {
            return next(context);
        }

        var settings = context.RequestServices.GetRequiredService<IdentitySettings>();
        var header = context.Request.Headers.Authorization.ToString();
        var token = BearerToken(header);
        if (token is { } range && (!settings.RequireIssuedTokens || context.RequestServices.GetRequiredService<TokenIssuer>().IsValidKeyVaultToken(header[range])))
        {
            return next(context);
        }

        context.Response.Headers.WWWAuthenticate = settings.Challenge;
        return token is null
            ? ErrorWriter.WriteAsync(context, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
            : ErrorWriter.WriteAsync(context, 401, "Unauthorized", "AKV10022: Invalid audience, issuer, signature or lifetime: the bearer token was not issued by this vault.");
    }

    /// <summary>The bearer token of a request's Authorization header (trimmed), or null when there is none.</summary>
    public static string? Token(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return BearerToken(header) is { } range ? header[range] : null;
    }

    /// <summary>Where the token is in the Authorization header (trimmed), or null when there is none; the token is only
    /// copied out when it must be validated.</summary>
    private static Range? BearerToken(string value)
    {
        if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value.AsSpan("Bearer ".Length);
        var start = "Bearer ".Length + (token.Length - token.TrimStart().Length);
        var end = value.Length - (token.Length - token.TrimEnd().Length);
        return start >= end ? null : start..end;
    }
}
