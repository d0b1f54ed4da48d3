using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Identity;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>
/// Sign-in endpoints, so the unmodified Azure.Identity credentials get tokens from the vault itself:
/// an Entra-style token endpoint (client credentials with a secret or an assertion; for users, the device-code and
/// authorization-code (PKCE) grants and refresh tokens) with its device-code and authorization endpoints and discovery documents,
/// an App Service / Azure Automation style managed-identity endpoint and an IMDS-style one.
/// Client secrets and assertions are not verified (any is accepted); the tokens issued are real signed JWTs.
/// </summary>
internal static class IdentityEndpoints
{
    /// <summary>The device-code message's page; POST approves a user code (management: the test, or the user, plays the person signing in).</summary>
    public const string DeviceLoginPath = "/_localvault/devicelogin";

    /// <summary>The authority path segment of an AD FS authority (<c>https://host/adfs</c>).</summary>
    public const string AdfsTenant = "adfs";

    private const string DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code";

    /// <summary>Seconds between the client's polls of a pending device code (Entra says 5; tests want it short).</summary>
    private const int DeviceCodePollSeconds = 1;

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/{tenant}/oauth2/v2.0/token", TokenAsync);
        routes.MapPost("/{tenant}/oauth2/v2.0/devicecode", DeviceCodeAsync);
        routes.MapGet("/{tenant}/oauth2/v2.0/authorize", AuthorizeAsync);
        routes.MapGet(DeviceLoginPath, DeviceLoginPageAsync);
        routes.MapPost(DeviceLoginPath, ApproveDeviceCodeAsync);
        routes.MapGet(DeviceLoginPath + "/auto-approve", GetAutoApproveAsync);
        routes.MapPut(DeviceLoginPath + "/auto-approve", PutAutoApproveAsync);
        routes.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", context => OpenIdConfigurationAsync(context, Route.Value(context, "tenant")!));
        routes.MapGet("/" + AdfsTenant + "/.well-known/openid-configuration", context => OpenIdConfigurationAsync(context, Route.Service<IdentitySettings>(context).TenantId));
        routes.MapGet("/{tenant}/discovery/instance", InstanceDiscoveryAsync);
        routes.MapGet(IdentitySettings.ManagedIdentityPath, AppServiceTokenAsync);
        routes.MapGet(IdentitySettings.ImdsPath, ImdsTokenAsync);
        routes.MapPost(IdentitySettings.ImdsPath, MsiEndpointTokenAsync);
    }

    private static async Task TokenAsync(HttpContext context)
    {
        var form = await ReadSignInFormAsync(context).ConfigureAwait(false);
        if (form is null)
        {
            return;
        }

        var clientId = form["client_id"].ToString();
        if (clientId.Length == 0)
        {
            await OAuthErrorAsync(context, 400, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'client_id'.").ConfigureAwait(false);
            return;
        }

        switch (form["grant_type"].ToString())
        {
            case "client_credentials":
                await ClientCredentialsAsync(context, form, clientId).ConfigureAwait(false);
                return;
            case DeviceCodeGrant or "device_code": // RFC 8628's name; MSAL.NET sends the short one, which Entra accepts too
                await DeviceCodeTokenAsync(context, form, clientId).ConfigureAwait(false);
                return;
            case "authorization_code":
                await AuthorizationCodeTokenAsync(context, form, clientId).ConfigureAwait(false);
                return;
            case "refresh_token":
                await RefreshTokenAsync(context, form, clientId).ConfigureAwait(false);
                return;
            default:
                await OAuthErrorAsync(context, 400, "unsupported_grant_type",
                    "AADSTS70003: This local vault supports the client_credentials, device_code, authorization_code and refresh_token grants.").ConfigureAwait(false);
                return;
        }
    }

    private static async Task ClientCredentialsAsync(HttpContext context, IFormCollection form, string clientId)
    {
        var scope = form["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(s => s.EndsWith("/.default", StringComparison.Ordinal));
        var error = string.IsNullOrEmpty(form["client_secret"]) && string.IsNullOrEmpty(form["client_assertion"]) ? ("invalid_client", "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")
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

    /// <summary>Entra's device authorization endpoint: a device code for the client to poll with, a user code for the user.</summary>
    private static async Task DeviceCodeAsync(HttpContext context)
    {
        var form = await ReadSignInFormAsync(context).ConfigureAwait(false);
        if (form is null)
        {
            return;
        }

        var clientId = form["client_id"].ToString();
        var scope = ResourceScope(form["scope"].ToString());
        if (clientId.Length == 0 || scope is null)
        {
            await OAuthErrorAsync(context, 400, "invalid_request", "AADSTS900144: The request body must contain the parameters 'client_id' and 'scope' (a resource scope).").ConfigureAwait(false);
            return;
        }

        var code = Route.Service<IdentitySettings>(context).UserSignIns.StartDeviceCode(clientId, scope);
        var verificationUri = $"https://{context.Request.Host.Value}{DeviceLoginPath}";
        await Route.Ok(context, new JsonObject
        {
            ["user_code"] = code.UserCode,
            ["device_code"] = code.Code,
            ["verification_uri"] = verificationUri,
            ["expires_in"] = (long)UserSignIns.DeviceCodeLifetime.TotalSeconds,
            ["interval"] = DeviceCodePollSeconds,
            ["message"] = $"To sign in, use a web browser to open the page {verificationUri} and enter the code {code.UserCode} to authenticate.",
        }).ConfigureAwait(false);
    }

    private static async Task DeviceCodeTokenAsync(HttpContext context, IFormCollection form, string clientId)
    {
        var (state, code) = Route.Service<IdentitySettings>(context).UserSignIns.Redeem(form["device_code"].ToString(), clientId);
        var (error, description) = state switch
        {
            UserSignIns.DeviceCodeState.Pending => ("authorization_pending", "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling."),
            UserSignIns.DeviceCodeState.Declined => ("authorization_declined", "AADSTS70000: The user declined the sign-in request."),
            UserSignIns.DeviceCodeState.Expired => ("expired_token", "AADSTS70020: The provided value for the input parameter 'device_code' is no longer valid: it expired."),
            UserSignIns.DeviceCodeState.Approved => (null, null),
            _ => ("invalid_grant", "AADSTS70000: The provided value for the input parameter 'device_code' is not valid."),
        };
        if (error is not null)
        {
            await OAuthErrorAsync(context, 400, error, description!).ConfigureAwait(false);
            return;
        }

        await UserTokenAsync(context, clientId, code!.User!, code.Scope).ConfigureAwait(false);
    }

    private static async Task AuthorizationCodeTokenAsync(HttpContext context, IFormCollection form, string clientId)
    {
        var code = form["code"].ToString();
        var redirectUri = form["redirect_uri"].ToString();
        if (code.Length == 0 || redirectUri.Length == 0)
        {
            await OAuthErrorAsync(context, 400, "invalid_request", "AADSTS900144: The request body must contain the parameters 'code' and 'redirect_uri'.").ConfigureAwait(false);
            return;
        }

        var verifier = form["code_verifier"].ToString();
        var (error, grant) = Route.Service<IdentitySettings>(context).UserSignIns.RedeemAuthorizationCode(code, clientId, redirectUri, verifier.Length == 0 ? null : verifier);
        if (error is not null)
        {
            await OAuthErrorAsync(context, 400, "invalid_grant", error).ConfigureAwait(false);
            return;
        }

        await UserTokenAsync(context, clientId, grant!.User, grant.Scope).ConfigureAwait(false);
    }

    private static async Task RefreshTokenAsync(HttpContext context, IFormCollection form, string clientId)
    {
        var user = Route.Service<IdentitySettings>(context).UserSignIns.RedeemRefreshToken(form["refresh_token"].ToString(), clientId);
        var scope = ResourceScope(form["scope"].ToString());
        if (user is null || scope is null)
        {
            await OAuthErrorAsync(context, 400, "invalid_grant", "AADSTS700082: The refresh token is expired, used, unknown or for another client, or no resource scope was asked for.").ConfigureAwait(false);
            return;
        }

        await UserTokenAsync(context, clientId, user, scope).ConfigureAwait(false);
    }

    /// <summary>A user's tokens as Entra returns them to a public client: access, refresh and id token, and client_info for MSAL's account.</summary>
    private static Task UserTokenAsync(HttpContext context, string clientId, string user, string scope)
    {
        var host = context.Request.Host.Value!;
        var tokens = Route.Service<TokenIssuer>(context);
        var signIns = Route.Service<IdentitySettings>(context).UserSignIns;
        var lifetime = (long)TokenIssuer.Lifetime.TotalSeconds;
        var resource = scope[..scope.LastIndexOf('/')];
        var clientInfo = new JsonObject { ["uid"] = TokenIssuer.UserObjectId(user), ["utid"] = tokens.TenantId };
        return Route.Ok(context, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["scope"] = scope,
            ["expires_in"] = lifetime,
            ["ext_expires_in"] = lifetime,
            ["access_token"] = tokens.Issue(resource, clientId, host, user).Token,
            ["refresh_token"] = signIns.IssueRefreshToken(clientId, user),
            ["id_token"] = tokens.IssueIdToken(clientId, host, user),
            ["client_info"] = Jwt.Encode(Encoding.UTF8.GetBytes(clientInfo.ToJsonString())),
        });
    }

    /// <summary>
    /// Entra's authorization endpoint, for a public client with a loopback redirect URI (MSAL's system-browser flow). There is
    /// no sign-in page: the user named by login_hint (else <see cref="UserSignIns.DefaultUser"/>) is signed in at once and the
    /// browser is sent back to the redirect URI with the code and the state: by a 302 redirect (response_mode=query), or, as MSAL
    /// asks (response_mode=form_post), by a page whose form posts them there on load. A redirect URI that is not http on loopback is
    /// refused with a page, never redirected to.
    /// </summary>
    private static Task AuthorizeAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var redirectUri = query["redirect_uri"].ToString();
        if (!IsLoopbackRedirect(redirectUri))
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync("AADSTS50011: The redirect_uri must be http://localhost[:port] or http://127.0.0.1[:port] (a public client on this machine).");
        }

        var state = query["state"].ToString();
        var clientId = query["client_id"].ToString();
        var scope = ResourceScope(query["scope"].ToString());
        var challenge = query["code_challenge"].ToString();
        var method = query["code_challenge_method"].ToString();
        var error = query["response_type"] != "code" ? ("unsupported_response_type", "AADSTS700054: response_type must be 'code'.")
            : clientId.Length == 0 ? ("invalid_request", "AADSTS900144: The request must contain the parameter 'client_id'.")
            : scope is null ? ("invalid_scope", "AADSTS70011: The request must ask for a resource scope.")
            : challenge.Length > 0 && method is not ("S256" or "plain" or "") ? ("invalid_request", "AADSTS501491: code_challenge_method must be S256 or plain.")
            : ((string, string)?)null;
        var parameters = error is { } failure
            ? new Dictionary<string, string?> { ["error"] = failure.Item1, ["error_description"] = failure.Item2 }
            : new Dictionary<string, string?>
            {
                ["code"] = Route.Service<IdentitySettings>(context).UserSignIns.IssueAuthorizationCode(
                    clientId, redirectUri, scope!, (query["login_hint"].ToString() is { Length: > 0 } hint ? hint : UserSignIns.DefaultUser),
                    challenge.Length == 0 ? null : challenge, method.Length == 0 ? "plain" : method),
            };
        if (state.Length > 0)
        {
            parameters["state"] = state;
        }

        if (query["response_mode"] == "form_post")
        {
            // What Entra sends for form_post (MSAL asks for it): a page whose form the browser posts to the redirect URI at once.
            var fields = string.Concat(parameters.Select(p =>
                $"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(p.Key)}\" value=\"{WebUtility.HtmlEncode(p.Value)}\"/>\n"));
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.WriteAsync(
                "<html><head><title>Working...</title></head><body onload=\"document.forms[0].submit()\">\n" +
                $"<form method=\"POST\" action=\"{WebUtility.HtmlEncode(redirectUri)}\">\n{fields}</form></body></html>\n");
        }

        context.Response.Redirect(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(redirectUri, parameters));
        return Task.CompletedTask;
    }

    private static bool IsLoopbackRedirect(string redirectUri) =>
        Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp
        && uri.Host is "localhost" or "127.0.0.1" or "[::1]" && uri.UserInfo.Length == 0 && uri.Fragment.Length == 0;

    /// <summary>The resource scope of a user sign-in (e.g. https://vault.azure.net/.default), past OpenID Connect's own scopes.</summary>
    private static string? ResourceScope(string scopes) =>
        scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(s => s is not ("openid" or "profile" or "offline_access" or "email") && s.LastIndexOf('/') > 0);

    /// <summary>Management: the page the device-code message names (how to approve), and the approval a test or a user makes.</summary>
    private static Task DeviceLoginPageAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(
            "Local vault device sign-in. Approve a code with:\n" +
            $"  POST https://{context.Request.Host.Value}{DeviceLoginPath}  {{\"userCode\":\"ABCD-EFGH\",\"user\":\"admin@localvault.test\"}}\n" +
            "(add \"decline\":true to decline it). See the local vault's README.\n");
    }

    private static async Task ApproveDeviceCodeAsync(HttpContext context)
    {
        var body = await Http.VaultJson.ReadAsync<DeviceLoginBody>(context.Request).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(body.UserCode))
        {
            throw Http.VaultErrors.BadParameter("Property userCode is required.");
        }

        var user = string.IsNullOrWhiteSpace(body.User) ? UserSignIns.DefaultUser : body.User.Trim();
        var decided = Route.Service<IdentitySettings>(context).UserSignIns.Decide(body.UserCode, user, approve: body.Decline != true);
        if (decided is null)
        {
            await Http.ErrorWriter.WriteAsync(context, 404, "NotFound", "No device sign-in with this user code is waiting (unknown, expired or already used).").ConfigureAwait(false);
            return;
        }

        await Route.Ok(context, new JsonObject
        {
            ["userCode"] = decided.UserCode,
            ["user"] = decided.User,
            ["clientId"] = decided.ClientId,
            ["status"] = decided.State == UserSignIns.DeviceCodeState.Approved ? "approved" : "declined",
        }).ConfigureAwait(false);
    }

    /// <summary>Management: approve every new device code at once as one user (<c>{"user":"..."}</c>), or not (<c>{"user":null}</c>).</summary>
    private static async Task PutAutoApproveAsync(HttpContext context)
    {
        var body = await Http.VaultJson.ReadAsync<DeviceLoginBody>(context.Request).ConfigureAwait(false);
        if (body.User is { } user && (user.Trim().Length == 0 || user.Length > 256))
        {
            throw Http.VaultErrors.BadParameter("Property user must be a user name (1 to 256 characters) or null.");
        }

        Route.Service<IdentitySettings>(context).UserSignIns.AutoApproveUser = body.User?.Trim();
        await GetAutoApproveAsync(context).ConfigureAwait(false);
    }

    private static Task GetAutoApproveAsync(HttpContext context) =>
        Route.Ok(context, new JsonObject { ["user"] = Route.Service<IdentitySettings>(context).UserSignIns.AutoApproveUser });

    private static async Task<IFormCollection?> ReadSignInFormAsync(HttpContext context)
    {
        var settings = Route.Service<IdentitySettings>(context);
        var tenant = Route.Value(context, "tenant");
        if (!string.Equals(tenant, settings.TenantId, StringComparison.OrdinalIgnoreCase) && tenant is not ("organizations" or "common"))
        {
            await OAuthErrorAsync(context, 400, "invalid_request", $"AADSTS90002: Tenant '{tenant}' not found. This local vault serves tenant {settings.TenantId}.").ConfigureAwait(false);
            return null;
        }

        return await ReadFormAsync(context).ConfigureAwait(false);
    }

    /// <summary>The request's form, or null after answering 400 when it has none or a broken one.</summary>
    private static async Task<IFormCollection?> ReadFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            await OAuthErrorAsync(context, 400, "invalid_request", "AADSTS900144: The request body must be application/x-www-form-urlencoded.").ConfigureAwait(false);
            return null;
        }

        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException && !context.RequestAborted.IsCancellationRequested)
        {
            await OAuthErrorAsync(context, 400, "invalid_request", "AADSTS900144: The request body is not a valid form.").ConfigureAwait(false);
            return null;
        }
    }

    private sealed record DeviceLoginBody(
        [property: System.Text.Json.Serialization.JsonPropertyName("userCode")] string? UserCode,
        [property: System.Text.Json.Serialization.JsonPropertyName("user")] string? User,
        [property: System.Text.Json.Serialization.JsonPropertyName("decline")] bool? Decline);

    /// <summary>
    /// The authority's discovery document. Served for <c>/{tenant}/v2.0</c> (Entra) and for <c>/adfs</c>: MSAL for Python
    /// (so the az CLI) validates any Entra authority it does not know at login.microsoftonline.com, which no setting
    /// redirects; an AD FS authority it takes as known to the developer, as az does for Azure Stack Hub.
    /// </summary>
    private static Task OpenIdConfigurationAsync(HttpContext context, string tenant)
    {
        var root = $"https://{context.Request.Host.Value}/{tenant}";
        return Route.Ok(context, new JsonObject
        {
            ["token_endpoint"] = $"{root}/oauth2/v2.0/token",
            ["authorization_endpoint"] = $"{root}/oauth2/v2.0/authorize",
            ["issuer"] = $"https://{context.Request.Host.Value}/{Route.Service<IdentitySettings>(context).TenantId}/v2.0",
            ["device_authorization_endpoint"] = $"{root}/oauth2/v2.0/devicecode",
            ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "private_key_jwt"),
            ["response_types_supported"] = new JsonArray("code", "token"),
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

    /// <summary>
    /// The MSI endpoint of Cloud Shell and the VM extension: <c>POST {MSI_ENDPOINT}</c>, form <c>resource=..</c>, header
    /// Metadata: true. What the az CLI 2.45 (<c>az login --identity</c>, through msrestazure) asks when MSI_ENDPOINT is set.
    /// </summary>
    private static async Task MsiEndpointTokenAsync(HttpContext context)
    {
        if (!string.Equals(context.Request.Headers["Metadata"], "true", StringComparison.OrdinalIgnoreCase))
        {
            await OAuthErrorAsync(context, 400, "invalid_request", "Required metadata header not specified").ConfigureAwait(false);
            return;
        }

        if (await ReadFormAsync(context).ConfigureAwait(false) is { } form)
        {
            await ManagedIdentityTokenAsync(context, imds: true, key => form[key].ToString(), apiVersionRequired: false).ConfigureAwait(false);
        }
    }

    private static Task ManagedIdentityTokenAsync(HttpContext context, bool imds) =>
        ManagedIdentityTokenAsync(context, imds, key => context.Request.Query[key].ToString(), apiVersionRequired: true);

    private static Task ManagedIdentityTokenAsync(HttpContext context, bool imds, Func<string, string> parameter, bool apiVersionRequired)
    {
        var resource = parameter("resource");
        if (resource.Length == 0 || (apiVersionRequired && parameter("api-version").Length == 0))
        {
            return OAuthErrorAsync(context, 400, "invalid_request", apiVersionRequired ? "The resource and api-version query parameters are required." : "The resource parameter is required.");
        }

        var clientId = FirstOf(parameter("client_id"), parameter("clientid"), parameter("msi_res_id"), parameter("mi_res_id"), parameter("object_id")) ?? IdentitySettings.SystemAssignedId;
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
