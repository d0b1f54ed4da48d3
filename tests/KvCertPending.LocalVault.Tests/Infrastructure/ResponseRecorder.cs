using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>A pipeline policy that records what the SDK really sent and got back (status and headers), for wire assertions on SDK calls.</summary>
internal sealed class ResponseRecorder : HttpPipelinePolicy
{
    private readonly ConcurrentQueue<RecordedExchange> exchanges = new();

    public IReadOnlyList<RecordedExchange> Exchanges => exchanges.ToArray();

    /// <summary>The last exchange whose method and path match (path as the SDK sent it, without the query).</summary>
    public RecordedExchange Last(string method, string pathSuffix) =>
        exchanges.Reverse().FirstOrDefault(e => e.Method == method && e.Path.TrimEnd('/').EndsWith(pathSuffix, StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"the SDK sent no {method} ...{pathSuffix}");

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ProcessNext(message, pipeline);
        Record(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        Record(message);
    }

    private void Record(HttpMessage message)
    {
        var headers = message.Response.Headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase);
        Uri uri = message.Request.Uri.ToUri();
        exchanges.Enqueue(new RecordedExchange(message.Request.Method.Method, uri.AbsolutePath, uri.Query, message.Response.Status, headers));
    }
}

internal sealed record RecordedExchange(string Method, string Path, string Query, int Status, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}
