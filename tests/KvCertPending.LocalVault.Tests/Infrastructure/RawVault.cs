using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>
/// A raw HTTP client for the local vault, for the shape rules the SDK hides (exact fields, headers, status codes).
/// It trusts exactly the vault's TLS certificate and sends a bearer token unless told not to.
/// </summary>
internal sealed class RawVault : IDisposable
{
    public const string ApiVersion = "7.6";

    private readonly HttpClient http;

    public RawVault(Uri vaultUri, X509Certificate2 tlsCertificate)
    {
        VaultUri = vaultUri;
        http = new HttpClient(TrustedCertificateHandler.Create(tlsCertificate), disposeHandler: true)
        {
            BaseAddress = vaultUri,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public Uri VaultUri { get; }

    /// <summary>The vault's base URL without the trailing slash, as it appears in ids ("https://localhost:1234").</summary>
    public string BaseUrl => VaultUri.GetLeftPart(UriPartial.Authority);

    /// <summary>An absolute URL on the vault; the path is kept as written (so "//" stays a double slash).</summary>
    public Uri Url(string path) => new(BaseUrl + (path.StartsWith('/') ? path : "/" + path));

    /// <summary>Adds api-version unless the path already carries one (or <paramref name="addApiVersion"/> is false).</summary>
    public static string WithApiVersion(string pathAndQuery, bool addApiVersion = true)
    {
        if (!addApiVersion || pathAndQuery.Contains("api-version=", StringComparison.Ordinal))
        {
            return pathAndQuery;
        }

        return pathAndQuery + (pathAndQuery.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "api-version=" + ApiVersion;
    }

    public Task<RawResponse> GetAsync(string path, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Get, path, null, configure);

    public Task<RawResponse> DeleteAsync(string path, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Delete, path, null, configure);

    public Task<RawResponse> PostAsync(string path, JsonNode? body, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Post, path, body?.ToJsonString(), configure);

    public Task<RawResponse> PutAsync(string path, JsonNode? body, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Put, path, body?.ToJsonString(), configure);

    public Task<RawResponse> PatchAsync(string path, JsonNode? body, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Patch, path, body?.ToJsonString(), configure);

    /// <summary>Sends a request. The path gets api-version and a bearer token unless <paramref name="configure"/> removes them.</summary>
    public async Task<RawResponse> SendAsync(
        HttpMethod method,
        string path,
        string? body,
        Action<HttpRequestMessage>? configure = null,
        bool addApiVersion = true,
        bool withToken = true,
        string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, Url(WithApiVersion(path, addApiVersion)));
        if (withToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FakeTokenCredential.Token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        configure?.Invoke(request);
        return await SendRawAsync(request).ConfigureAwait(false);
    }

    /// <summary>Polls GET /pending until the status is final (bounded: fails after 60 s); returns the final pending object.</summary>
    public async Task<JsonObject> WaitForFinalAsync(string name)
    {
        string[] finalStates = ["completed", "failed", "cancelled"];
        DateTime giveUp = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            RawResponse response = await GetAsync($"/certificates/{name}/pending").ConfigureAwait(false);
            Xunit.Assert.True(response.Status == System.Net.HttpStatusCode.OK, $"GET pending {name}: {response}");
            string status = response.Json["status"]!.GetValue<string>();
            if (finalStates.Contains(status))
            {
                return response.Object;
            }

            Xunit.Assert.True(DateTime.UtcNow < giveUp, $"{name} still {status} after 60 s");
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads a Key Vault list to its end by following nextLink (absolute URLs on this vault), asserting each page is a
    /// 200 with at most <paramref name="pageSize"/> items; returns the items and the number of pages.
    /// </summary>
    public async Task<(List<JsonNode> Items, int Pages)> GetAllPagesAsync(string firstPage, int pageSize)
    {
        var items = new List<JsonNode>();
        int pages = 0;
        string? next = firstPage;
        while (next is not null)
        {
            Xunit.Assert.True(++pages < 10_000, "paging does not end");
            RawResponse page = next.StartsWith("https://", StringComparison.Ordinal)
                ? await SendAsync(HttpMethod.Get, next[BaseUrl.Length..], null, addApiVersion: false).ConfigureAwait(false)
                : await GetAsync(next).ConfigureAwait(false);
            Xunit.Assert.True(page.Status == System.Net.HttpStatusCode.OK, page.ToString());
            JsonArray value = page.Json["value"]!.AsArray();
            Xunit.Assert.InRange(value.Count, 0, pageSize);
            items.AddRange(value.Select(v => v!));
            next = page.Json["nextLink"]?.GetValue<string>();
            if (next is not null)
            {
                Xunit.Assert.StartsWith(BaseUrl + "/", next, StringComparison.Ordinal);
                Xunit.Assert.Contains("api-version=", next, StringComparison.Ordinal);
            }
        }

        return (items, pages);
    }

    /// <summary>Sends a request exactly as built (no api-version, no token added).</summary>
    public async Task<RawResponse> SendRawAsync(HttpRequestMessage request)
    {
        using HttpResponseMessage response = await http.SendAsync(request).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        return new RawResponse(response.StatusCode, response.Headers, response.Content.Headers, text);
    }

    public void Dispose() => http.Dispose();
}
