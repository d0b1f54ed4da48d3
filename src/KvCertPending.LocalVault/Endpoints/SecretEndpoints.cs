using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Crypto;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Lifecycle;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>GET /secrets/{name}/{version}: the certificate's secret (PFX or PEM with the private key) when exportable.</summary>
internal static class SecretEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/secrets/{name}", GetAsync);
        routes.MapGet("/secrets/{name}/{version}", GetAsync);
    }

    private static Task GetAsync(HttpContext context)
    {
        var name = Route.Name(context, "secret");
        var version = Route.Value(context, "version");
        var (certificate, record) = Route.Service<VaultCore>(context).Database.Read(tx =>
        {
            try
            {
                return CertificateMaintenance.Find(tx, name, version);
            }
            catch (VaultException e) when (e.Status == 404)
            {
                throw VaultErrors.SecretNotFound(string.IsNullOrEmpty(version) ? name : $"{name}/{version}");
            }
        });
        if (record.Chain is null)
        {
            throw VaultErrors.SecretNotFound(string.IsNullOrEmpty(version) ? name : $"{name}/{version}");
        }

        if (!record.Exportable)
        {
            throw VaultErrors.Forbidden($"The private key of certificate {certificate.Name} is not exportable: its secret cannot be read.");
        }

        var view = CertificateEndpoints.View(context);
        var urls = view.Urls;
        var body = new JsonObject
        {
            ["value"] = SecretExporter.Export(record),
            ["contentType"] = record.ContentType,
            ["id"] = urls.Secret(record.Name, record.Version),
            ["managed"] = true,
            ["attributes"] = view.Attributes(record),
            ["kid"] = urls.Key(record.Name, record.Version),
        };
        if (record.Tags is { Count: > 0 } tags)
        {
            body["tags"] = new JsonObject(tags.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value)));
        }

        return Route.Ok(context, body);
    }
}
