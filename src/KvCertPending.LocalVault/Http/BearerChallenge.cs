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
        var token = BearerToken(context.Request);
        if (token is not null && (!settings.RequireIssuedTokens || context.RequestServices.GetRequiredService<TokenIssuer>().IsValidKeyVaultToken(token)))
        {
            return next(context);
        }

        context.Response.Headers.WWWAuthenticate = settings.Challenge;
        return token is null
            ? ErrorWriter.WriteAsync(context, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
            : ErrorWriter.WriteAsync(context, 401, "Unauthorized", "AKV10022: Invalid audience, issuer, signature or lifetime: the bearer token was not issued by this vault.");
    }

    private static string? BearerToken(HttpRequest request)
    {
        var value = request.Headers.Authorization.ToString();
        if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value["Bearer ".Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
