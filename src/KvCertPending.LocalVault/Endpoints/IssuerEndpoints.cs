using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Lifecycle;
using KvCertPending.LocalVault.Model;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>Certificate issuers: PUT (set), GET, PATCH (update), DELETE, list.</summary>
internal static class IssuerEndpoints
{
    // The service also takes "Test" (any case), a provider for trying the flow out; here every provider is a simulated CA.
    private static readonly string[] Providers = ["DigiCert", "GlobalSign", "OneCertV2-PublicCA", "OneCertV2-PrivateCA", "Test"];

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/certificates/issuers", ListAsync);
        routes.MapPut("/certificates/issuers/{name}", SetAsync);
        routes.MapGet("/certificates/issuers/{name}", GetAsync);
        routes.MapMethods("/certificates/issuers/{name}", ["PATCH"], UpdateAsync);
        routes.MapDelete("/certificates/issuers/{name}", DeleteAsync);
    }

    private static async Task SetAsync(HttpContext context)
    {
        var name = Route.Name(context, "issuer");
        var body = await VaultJson.ReadAsync<IssuerBody>(context.Request).ConfigureAwait(false);
        var provider = CanonicalProvider(body.Provider ?? throw VaultErrors.BadParameter("Property provider is required."));
        var core = Route.Service<VaultCore>(context);
        var now = core.NowSeconds;
        var issuer = core.Database.Write(tx =>
        {
            var existing = tx.GetIssuer(name);
            var record = new IssuerRecord { Name = existing?.Name ?? name, Created = existing?.Created ?? now };
            Apply(record, body, provider, now);
            tx.PutIssuer(record);
            return record;
        });
        await Route.Ok(context, IssuerView.Render(issuer, new VaultUrls(context.Request))).ConfigureAwait(false);
    }

    private static Task GetAsync(HttpContext context)
    {
        var name = Route.Name(context, "issuer");
        var issuer = Route.Service<VaultCore>(context).Database.Read(tx => tx.GetIssuer(name)) ?? throw VaultErrors.IssuerNotFound(name);
        return Route.Ok(context, IssuerView.Render(issuer, new VaultUrls(context.Request)));
    }

    private static async Task UpdateAsync(HttpContext context)
    {
        var name = Route.Name(context, "issuer");
        var body = await VaultJson.ReadAsync<IssuerBody>(context.Request).ConfigureAwait(false);
        var provider = body.Provider is null ? null : CanonicalProvider(body.Provider);
        var core = Route.Service<VaultCore>(context);
        var issuer = core.Database.Write(tx =>
        {
            var record = tx.GetIssuer(name) ?? throw VaultErrors.IssuerNotFound(name);
            Apply(record, body, provider ?? record.Provider, core.NowSeconds);
            tx.PutIssuer(record);
            return record;
        });
        await Route.Ok(context, IssuerView.Render(issuer, new VaultUrls(context.Request))).ConfigureAwait(false);
    }

    private static Task DeleteAsync(HttpContext context)
    {
        var name = Route.Name(context, "issuer");
        var issuer = Route.Service<VaultCore>(context).Database.Write(tx =>
        {
            var record = tx.GetIssuer(name) ?? throw VaultErrors.IssuerNotFound(name);
            tx.DeleteIssuer(name);
            return record;
        });
        return Route.Ok(context, IssuerView.Render(issuer, new VaultUrls(context.Request)));
    }

    private static Task ListAsync(HttpContext context)
    {
        var urls = new VaultUrls(context.Request);
        var issuers = Route.Service<VaultCore>(context).Database.Read(tx => tx.ListIssuers());
        return Paging.WriteAsync(context, issuers.Select(i => (JsonNode)IssuerView.Item(i, urls)).ToList(), "/certificates/issuers");
    }

    /// <summary>Applies the fields present in the body (PATCH semantics; PUT passes a fresh record).</summary>
    private static void Apply(IssuerRecord record, IssuerBody body, string provider, long now)
    {
        record.Provider = provider;
        if (body.Credentials is { } credentials)
        {
            record.AccountId = credentials.AccountId ?? record.AccountId;
            record.Password = credentials.Password ?? record.Password;
        }

        record.OrganizationDetails = body.OrganizationDetails ?? record.OrganizationDetails;
        record.Enabled = body.Attributes?.Enabled ?? record.Enabled;
        record.Updated = now;
    }

    private static string CanonicalProvider(string provider) =>
        Providers.FirstOrDefault(p => string.Equals(p, provider, StringComparison.OrdinalIgnoreCase))
        ?? throw VaultErrors.BadParameter($"Property provider has invalid value '{provider}'. Supported providers are {string.Join(", ", Providers)}.");
}
