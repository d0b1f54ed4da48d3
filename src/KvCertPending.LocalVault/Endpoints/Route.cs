using System.Globalization;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Http;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>Small helpers shared by the route groups: route values, JSON responses.</summary>
internal static class Route
{
    public static string Name(HttpContext context, string kind = "certificate") =>
        Names.Require(context.GetRouteValue("name") as string, kind);

    public static string? Value(HttpContext context, string key) => context.GetRouteValue(key) as string;

    public static T Service<T>(HttpContext context)
        where T : notnull => context.RequestServices.GetRequiredService<T>();

    public static Task Json(HttpContext context, int status, JsonNode body, string? location = null, int? retryAfterSeconds = null)
    {
        Headers(context, status, location, retryAfterSeconds);
        return VaultJson.WriteAsync(context.Response, body);
    }

    /// <summary>A JSON response whose body is already serialized (<see cref="VaultJson.Utf8"/>).</summary>
    public static Task Json(HttpContext context, int status, byte[] utf8Body, int? retryAfterSeconds = null)
    {
        Headers(context, status, null, retryAfterSeconds);
        return VaultJson.WriteAsync(context.Response, utf8Body);
    }

    public static Task Ok(HttpContext context, JsonNode body) => Json(context, 200, body);

    private static void Headers(HttpContext context, int status, string? location, int? retryAfterSeconds)
    {
        context.Response.StatusCode = status;
        if (location is not null)
        {
            context.Response.Headers.Location = location;
        }

        if (retryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }
    }
}
