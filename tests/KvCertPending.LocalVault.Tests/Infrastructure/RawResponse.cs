using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>One HTTP exchange with the vault, fully read, so tests can assert status, headers and the exact JSON.</summary>
internal sealed class RawResponse
{
    private readonly Lazy<JsonNode?> json;

    public RawResponse(HttpStatusCode status, HttpResponseHeaders headers, HttpContentHeaders? contentHeaders, string body)
    {
        Status = status;
        Headers = headers;
        ContentHeaders = contentHeaders;
        Body = body;
        json = new Lazy<JsonNode?>(() => string.IsNullOrWhiteSpace(Body) ? null : JsonNode.Parse(Body));
    }

    public HttpStatusCode Status { get; }

    public int StatusCode => (int)Status;

    public HttpResponseHeaders Headers { get; }

    public HttpContentHeaders? ContentHeaders { get; }

    public string Body { get; }

    /// <summary>The body parsed as JSON (throws if it is not JSON).</summary>
    public JsonNode Json => json.Value ?? throw new InvalidOperationException($"Empty body (status {StatusCode}).");

    public JsonObject Object => Json.AsObject();

    public string? ContentType => ContentHeaders?.ContentType?.ToString();

    public string? Header(string name)
    {
        if (Headers.TryGetValues(name, out IEnumerable<string>? values))
        {
            return string.Join(",", values);
        }

        return ContentHeaders is not null && ContentHeaders.TryGetValues(name, out IEnumerable<string>? contentValues)
            ? string.Join(",", contentValues)
            : null;
    }

    public override string ToString() => $"{StatusCode} {Body}";
}
