using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Identity;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>
/// The two Azure Resource Manager listings that a sign-in reads, so a client that signs in the ARM way (the az CLI's
/// <c>az login</c>) reaches the vault: <c>GET /subscriptions</c> (none: the local vault is not a subscription, so
/// <c>az login --allow-no-subscriptions</c> makes a tenant-level account) and <c>GET /tenants</c> (the vault's tenant).
/// As ARM does, each needs a bearer token (one this vault issued, for Resource Manager, when the vault requires issued tokens).
/// </summary>
internal static class ResourceManagerEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/subscriptions", context => AuthorizedAsync(context, _ => new JsonArray()));
        routes.MapGet("/tenants", context => AuthorizedAsync(context, tenantId => new JsonArray(new JsonObject
        {
            ["id"] = $"/tenants/{tenantId}",
            ["tenantId"] = tenantId,
            ["tenantCategory"] = "Home",
            ["displayName"] = "Local vault",
            ["defaultDomain"] = "localvault.test",
        })));
    }

    private static Task AuthorizedAsync(HttpContext context, Func<string, JsonArray> value)
    {
        var settings = Route.Service<IdentitySettings>(context);
        var header = context.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : string.Empty;
        if (token.Length == 0)
        {
            return ErrorWriter.WriteAsync(context, 401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
        }

        if (settings.RequireIssuedTokens && !Route.Service<TokenIssuer>(context).IsValidToken(token, TokenIssuer.ResourceManagerResources))
        {
            return ErrorWriter.WriteAsync(context, 401, "InvalidAuthenticationToken", "The access token is invalid: it was not issued by this vault for Azure Resource Manager.");
        }

        return Route.Ok(context, new JsonObject { ["value"] = value(settings.TenantId) });
    }
}
