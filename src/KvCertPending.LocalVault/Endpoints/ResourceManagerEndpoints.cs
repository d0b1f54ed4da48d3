using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Identity;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>
/// What a client that signs in the Azure Resource Manager way (the az CLI) reads of ARM, so it reaches the vault:
/// the cloud's metadata document <c>GET /metadata/endpoints</c> (anonymous, as on ARM; what <c>az cloud register
/// --endpoint-resource-manager</c> reads, Azure Stack Hub style: the sign-in authority is the vault as AD FS), and the
/// two listings <c>az login</c> reads: <c>GET /subscriptions</c> (none: the local vault is not a subscription, so
/// <c>az login --allow-no-subscriptions</c> makes a tenant-level account) and <c>GET /tenants</c> (the vault's tenant).
/// As ARM does, the listings need a bearer token (one this vault issued, for Resource Manager, when the vault requires issued tokens).
/// </summary>
internal static class ResourceManagerEndpoints
{
    /// <summary>The audience of Resource Manager tokens the metadata names (Azure's classic one, as Azure Stack Hub's metadata does).</summary>
    private const string ResourceManagerAudience = "https://management.core.windows.net/";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/metadata/endpoints", MetadataAsync);
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

    /// <summary>ARM's metadata document (api-version 2015-01-01 shape). The graph and gallery endpoints are names only: the vault serves neither.</summary>
    private static Task MetadataAsync(HttpContext context)
    {
        var root = $"https://{context.Request.Host.Value}/";
        return Route.Ok(context, new JsonObject
        {
            ["galleryEndpoint"] = root,
            ["graphEndpoint"] = "https://graph.windows.net/",
            ["portalEndpoint"] = root,
            ["authentication"] = new JsonObject
            {
                ["loginEndpoint"] = root + IdentityEndpoints.AdfsTenant,
                ["audiences"] = new JsonArray(ResourceManagerAudience),
            },
        });
    }

    private static Task AuthorizedAsync(HttpContext context, Func<string, JsonArray> value)
    {
        var settings = Route.Service<IdentitySettings>(context);
        var token = BearerChallenge.Token(context);
        if (token is null)
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
