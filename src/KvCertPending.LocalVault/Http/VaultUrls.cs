using System.Globalization;

namespace KvCertPending.LocalVault.Http;

/// <summary>The URLs the vault writes into its bodies and headers, built from the host the client used.</summary>
internal sealed class VaultUrls
{
    private readonly string _base;

    public VaultUrls(HttpRequest request)
    {
        _base = $"https://{request.Host.Value}";
        ApiVersion = request.Query["api-version"].ToString();
    }

    public string ApiVersion { get; }

    /// <summary>https://{host the client used}: every URL written into a body starts with it.</summary>
    public string Base => _base;

    public string Certificate(string name) => $"{_base}/certificates/{name}";

    public string CertificateVersion(string name, string version) => $"{_base}/certificates/{name}/{version}";

    public string Key(string name, string version) => $"{_base}/keys/{name}/{version}";

    public string Secret(string name, string version) => $"{_base}/secrets/{name}/{version}";

    public string Pending(string name) => $"{_base}/certificates/{name}/pending";

    public string Policy(string name) => $"{_base}/certificates/{name}/policy";

    public string Issuer(string name) => $"{_base}/certificates/issuers/{name}";

    public string DeletedCertificate(string name) => $"{_base}/deletedcertificates/{name}";

    public string PendingLocation(string name, string requestId) =>
        $"{Pending(name)}?api-version={Uri.EscapeDataString(ApiVersion)}&request_id={requestId}";

    public string CertificateLocation(string name) => $"{Certificate(name)}?api-version={Uri.EscapeDataString(ApiVersion)}";

    public string NextLink(string path, int skip, int? maxResults, string? extraQuery = null)
    {
        var link = $"{_base}{path}?api-version={Uri.EscapeDataString(ApiVersion)}&$skiptoken={skip.ToString(CultureInfo.InvariantCulture)}";
        if (maxResults is { } max)
        {
            link += "&maxresults=" + max.ToString(CultureInfo.InvariantCulture);
        }

        return extraQuery is null ? link : link + "&" + extraQuery;
    }
}
