namespace KvCertPending.LocalVault.Http;

/// <summary>
/// Key Vault's challenge-based authentication: a request without <c>Authorization: Bearer ...</c> gets 401 with
/// the <c>WWW-Authenticate</c> challenge before anything else is looked at. Tokens are accepted, not validated.
/// </summary>
internal static class BearerChallenge
{
    public const string Tenant = "00000000-0000-0000-0000-000000000000";
    public const string Challenge = $"Bearer authorization=\"https://login.windows.net/{Tenant}\", resource=\"https://vault.azure.net\"";

    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (ManagementPath.IsManagement(context.Request.Path) || HasBearerToken(context.Request))
        {
            return next(context);
        }

        context.Response.Headers.WWWAuthenticate = Challenge;
        return ErrorWriter.WriteAsync(context, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
    }

    private static bool HasBearerToken(HttpRequest request)
    {
        var value = request.Headers.Authorization.ToString();
        return value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && value.Length > "Bearer ".Length
            && !string.IsNullOrWhiteSpace(value["Bearer ".Length..]);
    }
}
