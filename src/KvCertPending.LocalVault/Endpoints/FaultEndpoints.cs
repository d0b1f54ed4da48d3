using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using KvCertPending.LocalVault.Faults;
using KvCertPending.LocalVault.Http;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>Fault injection through the management surface: add (POST), list (GET), clear (DELETE).</summary>
internal static class FaultEndpoints
{
    private const string Path = ManagementPath.Prefix + "/faults";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost(Path, AddAsync);
        routes.MapGet(Path, ListAsync);
        routes.MapDelete(Path, ClearAsync);
    }

    private static async Task AddAsync(HttpContext context)
    {
        var body = await VaultJson.ReadAsync<FaultBody>(context.Request).ConfigureAwait(false);
        if (!Enum.TryParse<VaultFaultKind>(body.Kind, ignoreCase: true, out var kind) || int.TryParse(body.Kind, out _))
        {
            throw VaultErrors.BadParameter($"Property kind must be one of {string.Join(", ", Enum.GetNames<VaultFaultKind>())}.");
        }

        if (body.Rate is < 0 or > 1 || body.Count is < 1 || body.LatencyMs is < 0 or > 600_000 || body.RetryAfterSeconds is < 0 or > 3600)
        {
            throw VaultErrors.BadParameter("Property rate must be 0-1, count at least 1, latencyMs 0-600000, retryAfterSeconds 0-3600.");
        }

        var fault = new VaultFault(kind)
        {
            Method = body.Method,
            PathPrefix = body.PathPrefix is null ? null : "/" + body.PathPrefix.TrimStart('/'),
            Rate = body.Rate ?? 1,
            Count = body.Count,
            Latency = TimeSpan.FromMilliseconds(body.LatencyMs ?? 0),
            RetryAfterSeconds = body.RetryAfterSeconds ?? 1,
        };
        Route.Service<FaultInjector>(context).Add(fault);
        await Route.Ok(context, Render(fault, fault.Count)).ConfigureAwait(false);
    }

    private static Task ListAsync(HttpContext context) =>
        Route.Ok(context, new JsonObject { ["value"] = new JsonArray(Route.Service<FaultInjector>(context).Snapshot().Select(f => (JsonNode)Render(f.Fault, f.Remaining)).ToArray()) });

    private static Task ClearAsync(HttpContext context)
    {
        Route.Service<FaultInjector>(context).Clear();
        return Route.Ok(context, new JsonObject { ["value"] = new JsonArray() });
    }

    private static JsonObject Render(VaultFault fault, int? remaining) => new()
    {
        ["kind"] = fault.Kind.ToString(),
        ["method"] = fault.Method,
        ["pathPrefix"] = fault.PathPrefix,
        ["rate"] = fault.Rate,
        ["remaining"] = remaining,
        ["latencyMs"] = fault.Latency.TotalMilliseconds,
        ["retryAfterSeconds"] = fault.RetryAfterSeconds,
    };

    private sealed class FaultBody
    {
        [JsonPropertyName("kind")]
        public string? Kind { get; set; }

        [JsonPropertyName("method")]
        public string? Method { get; set; }

        [JsonPropertyName("pathPrefix")]
        public string? PathPrefix { get; set; }

        [JsonPropertyName("rate")]
        public double? Rate { get; set; }

        [JsonPropertyName("count")]
        public int? Count { get; set; }

        [JsonPropertyName("latencyMs")]
        public double? LatencyMs { get; set; }

        [JsonPropertyName("retryAfterSeconds")]
        public int? RetryAfterSeconds { get; set; }
    }
}
