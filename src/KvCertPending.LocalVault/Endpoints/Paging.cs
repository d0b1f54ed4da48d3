using System.Globalization;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Http;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>Key Vault list pages: <c>{"value":[...],"nextLink":...}</c>, with <c>maxresults</c> (1-25) and a skip token.</summary>
internal static class Paging
{
    public const int DefaultPageSize = 25;

    /// <summary>A whole listing held in memory (small ones: the versions of one name), paged here.</summary>
    public static Task WriteAsync(HttpContext context, IReadOnlyList<JsonNode> items, string path, string? extraQuery = null)
    {
        var window = Window(context);
        var page = items.Skip(window.Skip).Take(window.Size).ToArray();
        return WritePageAsync(context, page, window.Skip + window.Size < items.Count, window, path, extraQuery);
    }

    /// <summary>The page the request asks for: <c>$skiptoken</c> (an offset) and <c>maxresults</c> (1-25, default 25).</summary>
    public static PageWindow Window(HttpContext context)
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

        return new PageWindow(skip, maxResults ?? DefaultPageSize, maxResults);
    }

    /// <summary>Writes one page; <paramref name="more"/> says whether items follow it (then a nextLink is written).</summary>
    public static Task WritePageAsync(HttpContext context, IReadOnlyList<JsonNode> page, bool more, PageWindow window, string path, string? extraQuery = null)
    {
        var next = more ? new VaultUrls(context.Request).NextLink(path, window.Skip + window.Size, window.MaxResults, extraQuery) : null;
        return Route.Ok(context, new JsonObject { ["value"] = new JsonArray(page.ToArray()), ["nextLink"] = next });
    }
}

/// <summary>Which items a list request asks for: from offset <see cref="Skip"/>, at most <see cref="Size"/>.</summary>
internal readonly record struct PageWindow(int Skip, int Size, int? MaxResults);
