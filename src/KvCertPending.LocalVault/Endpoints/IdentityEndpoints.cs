using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Identity;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>
/// Sign-in endpoints, so the unmodified Azure.Identity credentials get tokens from the vault itself:
/// an Entra-style token endpoint (client credentials with a secret or an assertion) with its discovery documents,
/// an App Service / Azure Automation style managed-identity endpoint and an IMDS-style one.
/// Client secrets and assertions are not verified (any is accepted); the tokens issued are real signed JWTs.
/// </summary>
internal static class IdentityEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/{tenant}/oauth2/v2.0/token", TokenAsync);
        routes.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", OpenIdConfigurationAsync);
        routes.MapGet("/{tenant}/discovery/instance", InstanceDiscoveryAsync);
        routes.MapGet(IdentitySettings.ManagedIdentityPath, AppServiceTokenAsync);
        routes.MapGet(IdentitySettings.ImdsPath, ImdsTokenAsync);
    }

    private static async Task TokenAsync(HttpContext context)
    {
        var settings = Route.Service<IdentitySettings>(context);
        var tenant = Route.Value(context, "tenant");
        if (!string.Equals(tenant, settings.TenantId, StringComparison.OrdinalIgnoreCase) && tenant is not ("organizations" or "common"))
        {
            await OAuthErrorAsync(context, 400, "invalid_request", $"AADSTS90002: Tenant '{tenant}' not found. This local vault serves tenant {settings.TenantId}.").ConfigureAwait(false);
            return;
        }

        if (!context.Request.HasFormContentType)
        {
            await OAuthErrorAsync(context, 400, "invalid_request", "AADSTS900144: The request body must be application/x-www-form-urlencoded.").ConfigureAwait(false);
            return;
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException && !context.RequestAborted.IsCancellationRequested)
        {
            await OAuthErrorAsync(context, 400, "invalid_request", "AADSTS900144: The request body is not a valid form.").ConfigureAwait(false);
            return;
        }

        var clientId = form["client_id"].ToString();
        var scope = form["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(s => s.EndsWith("/.default", StringComparison.Ordinal));
        var error = form["grant_type"] != "client_credentials" ? ("unsupported_grant_type", "AADSTS70003: Only the client_credentials grant is supported by this local vault.")
            : clientId.Length == 0 ? ("invalid_request", "AADSTS900144: The request body must contain the following parameter: 'client_id'.")
            : string.IsNullOrEmpty(form["client_secret"]) && string.IsNullOrEmpty(form["client_assertion"]) ? ("invalid_client", "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")
            : scope is null ? ("invalid_scope", "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.")
            : ((string, string)?)null;
        if (error is { } failure)
        {
            await OAuthErrorAsync(context, 400, failure.Item1, failure.Item2).ConfigureAwait(false);
            return;
        }

        var lifetime = (long)TokenIssuer.Lifetime.TotalSeconds;
        var (token, _) = Route.Service<TokenIssuer>(context).Issue(scope![..^"/.default".Length], clientId, context.Request.Host.Value!);
        await Route.Ok(context, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = lifetime,
            ["ext_expires_in"] = lifetime,
            ["access_token"] = token,
        }).ConfigureAwait(false);
    }

    private static Task OpenIdConfigurationAsync(HttpContext context)
    {
        var tenant = Route.Value(context, "tenant");
        var root = $"https://{context.Request.Host.Value}/{tenant}";
        return Route.Ok(context, new JsonObject
        {
            ["token_endpoint"] = $"{root}/oauth2/v2.0/token",
            ["authorization_endpoint"] = $"{root}/oauth2/v2.0/authorize",
            ["issuer"] = $"https://{context.Request.Host.Value}/{Route.Service<IdentitySettings>(context).TenantId}/v2.0",
            ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "private_key_jwt"),
            ["response_types_supported"] = new JsonArray("token"),
            ["tenant_region_scope"] = "NA",
        });
    }

    private static Task InstanceDiscoveryAsync(HttpContext context)
    {
        var host = context.Request.Host.Value!;
        return Route.Ok(context, new JsonObject
        {
            ["tenant_discovery_endpoint"] = $"https://{host}/{Route.Service<IdentitySettings>(context).TenantId}/v2.0/.well-known/openid-configuration",
            ["api-version"] = "1.1",
            ["metadata"] = new JsonArray(new JsonObject
            {
                ["preferred_network"] = host,
                ["preferred_cache"] = host,
                ["aliases"] = new JsonArray(host),
            }),
        });
    }

    /// <summary>App Service / Azure Automation: <c>GET {IDENTITY_ENDPOINT}?resource=..&amp;api-version=2019-08-01</c>, header X-IDENTITY-HEADER.</summary>
    private static Task AppServiceTokenAsync(HttpContext context)
    {
        var expected = Encoding.UTF8.GetBytes(Route.Service<IdentitySettings>(context).ManagedIdentityHeader);
        var given = Encoding.UTF8.GetBytes(context.Request.Headers["X-IDENTITY-HEADER"].ToString());
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return OAuthErrorAsync(context, 401, "invalid_request", "The X-IDENTITY-HEADER header is missing or wrong.");
        }

        return ManagedIdentityTokenAsync(context, imds: false);
    }

    /// <summary>IMDS: <c>GET /metadata/identity/oauth2/token?resource=..&amp;api-version=2018-02-01</c>, header Metadata: true.</summary>
    private static Task ImdsTokenAsync(HttpContext context) =>
        !string.Equals(context.Request.Headers["Metadata"], "true", StringComparison.OrdinalIgnoreCase)
            ? OAuthErrorAsync(context, 400, "invalid_request", "Required metadata header not specified")
            : ManagedIdentityTokenAsync(context, imds: true);

    private static Task ManagedIdentityTokenAsync(HttpContext context, bool imds)
    {
        var query = context.Request.Query;
        var resource = query["resource"].ToString();
        if (resource.Length == 0 || string.IsNullOrEmpty(query["api-version"]))
        {
            return OAuthErrorAsync(context, 400, "invalid_request", "The resource and api-version query parameters are required.");
        }

        var clientId = FirstOf(query["client_id"], query["clientid"], query["msi_res_id"], query["mi_res_id"], query["object_id"]) ?? IdentitySettings.SystemAssignedId;
        var (token, expiresOn) = Route.Service<TokenIssuer>(context).Issue(resource.TrimEnd('/'), clientId, context.Request.Host.Value!);
        var expires = expiresOn.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var body = new JsonObject
        {
            ["access_token"] = token,
            ["expires_on"] = expires,
            ["resource"] = resource,
            ["token_type"] = "Bearer",
            ["client_id"] = clientId,
        };
        if (imds)
        {
            var lifetime = ((long)TokenIssuer.Lifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            body["expires_in"] = lifetime;
            body["ext_expires_in"] = lifetime;
            body["not_before"] = expiresOn.Subtract(TokenIssuer.Lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        }

        return Route.Ok(context, body);
    }

    private static string? FirstOf(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v));

    private static Task OAuthErrorAsync(HttpContext context, int status, string error, string description)
    {
        context.Response.StatusCode = status;
        return Http.VaultJson.WriteAsync(context.Response, new JsonObject
        {
            ["error"] = error,
            ["error_description"] = description,
            ["error_codes"] = new JsonArray(),
            ["timestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ssZ", CultureInfo.InvariantCulture),
        });
    }
}
