using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Lifecycle;
using KvCertPending.LocalVault.Model;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>Certificates: get (latest or by version).</summary>
internal static class CertificateEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/certificates/{name}", GetAsync);
        routes.MapGet("/certificates/{name}/{version}", GetAsync);
    }

    private static Task GetAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var version = Route.Value(context, "version");
        var core = Route.Service<VaultCore>(context);
        var body = core.Database.Read(tx =>
        {
            var certificate = tx.GetCertificate(name);
            if (certificate is null || certificate.DeletedOn is not null)
            {
                throw VaultErrors.CertificateNotFound(name, version);
            }

            var record = string.IsNullOrEmpty(version)
                ? tx.GetLatestVersion(name)
                : Names.IsVersionShaped(version) ? tx.GetVersion(name, version) : null;
            if (record is null)
            {
                throw VaultErrors.CertificateNotFound(name, version);
            }

            return BundleView.Render(certificate, record, tx.GetPending(name), new VaultUrls(context.Request));
        });
        return Route.Ok(context, body);
    }
}
