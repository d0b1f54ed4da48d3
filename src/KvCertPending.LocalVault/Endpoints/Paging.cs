using System.Globalization;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Http;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>Key Vault list pages: <c>{"value":[...],"nextLink":...}</c>, with <c>maxresults</c> (1-25) and a skip token.</summary>
internal static class Paging
{
    public const int DefaultPageSize = 25;

    public static Task WriteAsync(HttpContext context, IReadOnlyList<JsonNode> items, string path, string? extraQuery = null)
    {
        var query = context.Request.Query;
        int? maxResults = null;
        if (query.TryGetValue("maxresults", out var max) && !string.IsNullOrEmpty(max))
        {
            if (!int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed is < 1 or > 25)
            {
                throw VaultErrors.BadParameter("The value of the maxresults parameter must be between 1 and 25.");
            }

            maxResults = parsed;
        }

        var skip = 0;
        if (query.TryGetValue("$skiptoken", out var token) && !string.IsNullOrEmpty(token)
            && (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out skip) || skip < 0))
        {
            throw VaultErrors.BadParameter("The $skiptoken parameter is invalid.");
        }

        var size = maxResults ?? DefaultPageSize;
        var page = new JsonArray(items.Skip(skip).Take(size).ToArray());
        var next = skip + size < items.Count ? new VaultUrls(context.Request).NextLink(path, skip + size, maxResults, extraQuery) : null;
        return Route.Ok(context, new JsonObject { ["value"] = page, ["nextLink"] = next });
    }
}
