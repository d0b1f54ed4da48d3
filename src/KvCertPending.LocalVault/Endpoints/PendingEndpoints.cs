using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Lifecycle;
using KvCertPending.LocalVault.Model;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>The pending lifecycle: create, GET/PATCH/DELETE pending, merge.</summary>
internal static class PendingEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/certificates/{name}/create", CreateAsync);
        routes.MapGet("/certificates/{name}/pending", GetAsync);
        routes.MapMethods("/certificates/{name}/pending", ["PATCH"], UpdateAsync);
        routes.MapDelete("/certificates/{name}/pending", DeleteAsync);
        routes.MapPost("/certificates/{name}/pending/merge", MergeAsync);
    }

    private static async Task CreateAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var body = await VaultJson.ReadAsync<CreateCertificateBody>(context.Request).ConfigureAwait(false);
        var pending = await Route.Service<CertificateCreation>(context).CreateAsync(name, body, context.RequestAborted).ConfigureAwait(false);
        var urls = new VaultUrls(context.Request);
        await Route.Json(context, 202, PendingView.Render(pending, urls), urls.PendingLocation(pending.Name, pending.RequestId), RetryAfter(context)).ConfigureAwait(false);
    }

    private static Task GetAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var urls = new VaultUrls(context.Request);
        var (pending, body) = Route.Service<PendingOperations>(context).GetRendered(name, context.Request.Query["request_id"].ToString(), urls);
        var retryAfter = pending.IsInProgress ? RetryAfter(context) : (int?)null;
        if (AcceptsPkcs10(context.Request))
        {
            context.Response.ContentType = "application/pkcs10";
            if (retryAfter is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return context.Response.WriteAsync(pending.Csr);
        }

        return Route.Json(context, 200, body!, retryAfter);
    }

    private static bool AcceptsPkcs10(HttpRequest request)
    {
        foreach (var accept in request.Headers.Accept)
        {
            if (accept?.Contains("application/pkcs10", StringComparison.OrdinalIgnoreCase) == true)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task UpdateAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var body = await VaultJson.ReadAsync<UpdatePendingBody>(context.Request).ConfigureAwait(false);
        var pending = await Route.Service<PendingOperations>(context).UpdateAsync(name, body).ConfigureAwait(false);
        await Route.Ok(context, PendingView.Render(pending, new VaultUrls(context.Request))).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var pending = await Route.Service<PendingOperations>(context).DeleteAsync(name).ConfigureAwait(false);
        await Route.Ok(context, PendingView.Render(pending, new VaultUrls(context.Request))).ConfigureAwait(false);
    }

    private static async Task MergeAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var body = await VaultJson.ReadAsync<MergeCertificateBody>(context.Request).ConfigureAwait(false);
        var (certificate, version) = await Route.Service<PendingOperations>(context).MergeAsync(name, body).ConfigureAwait(false);
        var location = new VaultUrls(context.Request).CertificateLocation(certificate.Name);
        await CertificateEndpoints.WriteBundleAsync(context, certificate, version, 201, location).ConfigureAwait(false);
    }

    private static int RetryAfter(HttpContext context) => Route.Service<Lifecycle.VaultCore>(context).Options.RetryAfterSeconds;
}
