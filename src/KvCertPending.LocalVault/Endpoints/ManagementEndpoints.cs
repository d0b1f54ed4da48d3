using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Lifecycle;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>
/// The local vault's own management surface under <c>/_localvault/</c> (not Key Vault's API; no token needed):
/// issuer simulations, and the local CA (sign any CSR, read the root).
/// </summary>
internal static class ManagementEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(ManagementPath.Prefix + "/simulations/{name}", GetSimulationAsync);
        routes.MapPut(ManagementPath.Prefix + "/simulations/{name}", PutSimulationAsync);
        routes.MapPost(ManagementPath.Prefix + "/ca/sign", SignAsync);
        routes.MapGet(ManagementPath.Prefix + "/ca/certificate", GetCaCertificateAsync);
    }

    private static Task GetSimulationAsync(HttpContext context)
    {
        var name = Route.Name(context, "issuer");
        return Route.Ok(context, Render(name, Route.Service<Simulations>(context).Get(name)));
    }

    private static async Task PutSimulationAsync(HttpContext context)
    {
        var name = Route.Name(context, "issuer");
        var body = await VaultJson.ReadAsync<SimulationBody>(context.Request).ConfigureAwait(false);
        var delay = body.DelaySeconds ?? 0;
        if (delay is < 0 or > 86400 || double.IsNaN(delay))
        {
            throw VaultErrors.BadParameter("Property delaySeconds must be between 0 and 86400.");
        }

        IssuerOutcome outcome = body.Outcome?.ToLowerInvariant() switch
        {
            null or "issue" => IssuerOutcome.Issue,
            "fail" => IssuerOutcome.Fail,
            "reject" => IssuerOutcome.Reject,
            _ => throw VaultErrors.BadParameter("Property outcome must be one of issue, fail, reject."),
        };
        var simulation = new IssuerSimulation(TimeSpan.FromSeconds(delay), outcome, body.HonourCancellation ?? true);
        Route.Service<Simulations>(context).Set(name, simulation);
        await Route.Ok(context, Render(name, simulation)).ConfigureAwait(false);
    }

    private static async Task SignAsync(HttpContext context)
    {
        var body = await VaultJson.ReadAsync<SignBody>(context.Request).ConfigureAwait(false);
        var csr = DecodeCsr(body.Csr);
        var days = body.ValidityDays ?? 365;
        if (days is < 1 or > 3650)
        {
            throw VaultErrors.BadParameter("Property validityDays must be between 1 and 3650.");
        }

        IReadOnlyList<byte[]> chain;
        try
        {
            chain = Route.Service<VaultCore>(context).Authority.Sign(csr, days);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or PlatformNotSupportedException)
        {
            throw VaultErrors.BadParameter("Property csr is not a valid PKCS#10 certificate request.");
        }

        var x5c = new JsonArray(chain.Select(c => (JsonNode)Convert.ToBase64String(c)).ToArray());
        await Route.Ok(context, new JsonObject { ["x5c"] = x5c }).ConfigureAwait(false);
    }

    private static async Task GetCaCertificateAsync(HttpContext context)
    {
        context.Response.ContentType = "application/x-pem-file";
        await context.Response.WriteAsync(Route.Service<VaultCore>(context).Authority.Root.ExportCertificatePem() + "\n").ConfigureAwait(false);
    }

    private static byte[] DecodeCsr(string? csr)
    {
        if (string.IsNullOrWhiteSpace(csr))
        {
            throw VaultErrors.BadParameter("Property csr is required.");
        }

        var text = csr.Trim();
        if (text.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal));
            text = string.Concat(lines);
        }

        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw VaultErrors.BadParameter("Property csr is neither base64 DER nor PEM.");
        }
    }

    private static JsonObject Render(string name, IssuerSimulation simulation) => new()
    {
        ["issuer"] = name,
        ["delaySeconds"] = simulation.Delay.TotalSeconds,
        ["outcome"] = simulation.Outcome.ToString().ToLowerInvariant(),
        ["honourCancellation"] = simulation.HonourCancellation,
    };

    private sealed class SimulationBody
    {
        [JsonPropertyName("delaySeconds")]
        public double? DelaySeconds { get; set; }

        [JsonPropertyName("outcome")]
        public string? Outcome { get; set; }

        [JsonPropertyName("honourCancellation")]
        public bool? HonourCancellation { get; set; }
    }

    private sealed class SignBody
    {
        [JsonPropertyName("csr")]
        public string? Csr { get; set; }

        [JsonPropertyName("validityDays")]
        public int? ValidityDays { get; set; }
    }
}
