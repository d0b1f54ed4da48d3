using KvCertPending.LocalVault.Lifecycle;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>Soft-deleted certificates: list, get, recover, purge.</summary>
internal static class DeletedCertificateEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/deletedcertificates", context => CertificateEndpoints.ListAsync(context, deleted: true, "/deletedcertificates"));
        routes.MapGet("/deletedcertificates/{name}", GetAsync);
        routes.MapPost("/deletedcertificates/{name}/recover", RecoverAsync);
        routes.MapDelete("/deletedcertificates/{name}", PurgeAsync);
    }

    private static Task GetAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var (certificate, version) = Route.Service<CertificateMaintenance>(context).GetDeleted(name);
        return Route.Ok(context, CertificateEndpoints.View(context).Render(certificate, version, null));
    }

    private static async Task RecoverAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var (certificate, version) = await Route.Service<CertificateMaintenance>(context).RecoverAsync(name).ConfigureAwait(false);
        await CertificateEndpoints.WriteBundleAsync(context, certificate, version).ConfigureAwait(false);
    }

    private static async Task PurgeAsync(HttpContext context)
    {
        var name = Route.Name(context);
        await Route.Service<CertificateMaintenance>(context).PurgeAsync(name).ConfigureAwait(false);
        context.Response.StatusCode = 204;
    }
}
