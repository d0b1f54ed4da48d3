using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Lifecycle;
using KvCertPending.LocalVault.Model;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>
/// Certificates: get, list, versions, update, policy, import, soft delete, backup and restore. As on the service,
/// <c>POST /certificates/restore</c> (two segments) is restore and <c>POST /certificates/{name}/backup</c> (three) is a
/// backup, so a certificate named "restore" is served like any other (its backup is <c>/certificates/restore/backup</c>).
/// </summary>
internal static class CertificateEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/certificates", context => ListAsync(context, deleted: false, "/certificates"));
        routes.MapGet("/certificates/{name}", GetAsync);
        routes.MapGet("/certificates/{name}/{version}", GetAsync);
        routes.MapGet("/certificates/{name}/versions", ListVersionsAsync);
        routes.MapMethods("/certificates/{name}", ["PATCH"], UpdateAsync);
        routes.MapMethods("/certificates/{name}/{version}", ["PATCH"], UpdateAsync);
        routes.MapGet("/certificates/{name}/policy", GetPolicyAsync);
        routes.MapMethods("/certificates/{name}/policy", ["PATCH"], UpdatePolicyAsync);
        routes.MapPost("/certificates/{name}/import", ImportAsync);
        routes.MapDelete("/certificates/{name}", DeleteAsync);
        routes.MapPost("/certificates/{name}/backup", BackupAsync);
        routes.MapPost("/certificates/restore", RestoreAsync);
    }

    /// <summary>Bundles for this request: its URLs and api-version, the vault's soft delete.</summary>
    public static BundleView View(HttpContext context) => new(new VaultUrls(context.Request), Route.Service<VaultCore>(context).SoftDelete);

    /// <summary>The bundle of a version, with the pending link while that version's pending object exists.</summary>
    public static Task WriteBundleAsync(HttpContext context, CertificateRecord certificate, VersionRecord version, int status = 200, string? location = null)
    {
        var pending = Route.Service<VaultCore>(context).Database.Read(tx => tx.GetPending(certificate.Name));
        return Route.Json(context, status, View(context).Render(certificate, version, pending), location);
    }

    /// <summary>GET of the latest version (the full bundle) or of one version (<see cref="BundleView.RenderVersion"/>).</summary>
    private static Task GetAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var version = Route.Value(context, "version");
        var (certificate, record) = Route.Service<VaultCore>(context).Database.Read(tx => CertificateMaintenance.Find(tx, name, version));
        return string.IsNullOrEmpty(version)
            ? WriteBundleAsync(context, certificate, record)
            : Route.Ok(context, View(context).RenderVersion(certificate, record));
    }

    /// <summary>
    /// A page of certificate items (latest version of each name), live or soft-deleted. Only the page is read and
    /// rendered (the database pages and filters), so listing a vault page by page costs time linear in its size.
    /// </summary>
    public static Task ListAsync(HttpContext context, bool deleted, string path)
    {
        var view = View(context);
        var includePending = string.Equals(context.Request.Query["includePending"], "true", StringComparison.OrdinalIgnoreCase);
        var window = Paging.Window(context);
        var (rows, more) = Route.Service<VaultCore>(context).Database.Read(tx => tx.ListLatest(deleted, includePending, window.Skip, window.Size));
        var items = rows.Select(p => (JsonNode)view.Item(p.Certificate, p.Latest, view.Urls.Certificate(p.Certificate.Name))).ToList();
        return Paging.WritePageAsync(context, items, more, window, path, includePending ? "includePending=true" : null);
    }

    private static Task ListVersionsAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var view = View(context);
        var items = Route.Service<VaultCore>(context).Database.Read(tx =>
        {
            var (certificate, _) = CertificateMaintenance.Find(tx, name, null);
            return tx.ListVersions(name)
                .Select(v => (JsonNode)view.Item(certificate, v, view.Urls.CertificateVersion(v.Name, v.Version)))
                .ToList();
        });
        return Paging.WriteAsync(context, items, $"/certificates/{name}/versions");
    }

    private static async Task UpdateAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var body = await VaultJson.ReadAsync<UpdateCertificateBody>(context.Request).ConfigureAwait(false);
        var (certificate, version) = await Route.Service<CertificateMaintenance>(context).UpdateAsync(name, Route.Value(context, "version"), body).ConfigureAwait(false);
        await WriteBundleAsync(context, certificate, version).ConfigureAwait(false);
    }

    private static Task GetPolicyAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var (certificate, _) = Route.Service<VaultCore>(context).Database.Read(tx => CertificateMaintenance.Find(tx, name, null));
        return Route.Ok(context, BundleView.Policy(certificate, new VaultUrls(context.Request)));
    }

    private static async Task UpdatePolicyAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var patch = await VaultJson.ReadAsync<JsonObject>(context.Request).ConfigureAwait(false);
        var certificate = await Route.Service<CertificateMaintenance>(context).UpdatePolicyAsync(name, patch).ConfigureAwait(false);
        await Route.Ok(context, BundleView.Policy(certificate, new VaultUrls(context.Request))).ConfigureAwait(false);
    }

    private static async Task ImportAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var body = await VaultJson.ReadAsync<ImportCertificateBody>(context.Request).ConfigureAwait(false);
        var (certificate, version) = await Route.Service<CertificateImport>(context).ImportAsync(name, body).ConfigureAwait(false);
        await WriteBundleAsync(context, certificate, version).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context)
    {
        var name = Route.Name(context);
        var (certificate, version) = await Route.Service<CertificateMaintenance>(context).DeleteAsync(name).ConfigureAwait(false);
        await Route.Ok(context, View(context).Render(certificate, version, null)).ConfigureAwait(false);
    }

    private static Task BackupAsync(HttpContext context)
    {
        var name = Route.Name(context);
        return Route.Ok(context, new JsonObject { ["value"] = Route.Service<CertificateBackup>(context).Backup(name) });
    }

    private static async Task RestoreAsync(HttpContext context)
    {
        var body = await VaultJson.ReadAsync<RestoreCertificateBody>(context.Request).ConfigureAwait(false);
        var (certificate, latest) = await Route.Service<CertificateBackup>(context).RestoreAsync(body.Value, new VaultUrls(context.Request)).ConfigureAwait(false);
        await WriteBundleAsync(context, certificate, latest).ConfigureAwait(false);
    }
}
