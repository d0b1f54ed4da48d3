using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace KvCertPending.LocalVault.Http;

/// <summary>JSON in and out: one set of serializer options, bounded and strict request bodies, UTF-8 responses.</summary>
internal static class VaultJson
{
    public const string ContentType = "application/json; charset=utf-8";

    /// <summary>Largest request body accepted (Key Vault's own limit is about this size).</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>Kestrel's hard limit: a body up to this size is read and refused with 413; a larger one is cut off.</summary>
    public const int HardLimitBytes = 16 * 1024 * 1024;

    public static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = false,
    };

    public static Task WriteAsync(HttpResponse response, JsonNode body) => WriteAsync(response, Utf8(body));

    /// <summary>Writes a body already serialized by <see cref="Utf8"/>.</summary>
    public static Task WriteAsync(HttpResponse response, byte[] utf8Body)
    {
        response.ContentType = ContentType;
        response.ContentLength = utf8Body.Length;
        return response.Body.WriteAsync(utf8Body).AsTask();
    }

    /// <summary>The body as the vault writes it: compact JSON, UTF-8.</summary>
    public static byte[] Utf8(JsonNode body) => Encoding.UTF8.GetBytes(body.ToJsonString(Options));

    /// <summary>Reads and deserializes a required JSON body; every fault becomes a 400/413 Key Vault error.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        var bytes = await ReadBytesAsync(request).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            throw VaultErrors.BadParameter("The request body is required.");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(bytes, Options)
                ?? throw VaultErrors.BadParameter("The request body must be a JSON object.");
        }
        catch (JsonException e)
        {
            var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? string.Empty : $" at '{e.Path.TrimStart('$', '.')}'";
            throw VaultErrors.BadParameter($"The request body is not valid JSON for this operation{where}.");
        }
    }

    private static async Task<byte[]> ReadBytesAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                {
                    await DrainAsync(request, chunk).ConfigureAwait(false);
                    throw VaultErrors.BodyTooLarge(MaxBodyBytes);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw VaultErrors.BodyTooLarge(MaxBodyBytes);
        }

        return buffer.ToArray();
    }

    /// <summary>Reads the rest of an oversize body (up to the server's hard limit) so the client gets the 413 answer.</summary>
    private static async Task DrainAsync(HttpRequest request, byte[] chunk)
    {
        while (await request.Body.ReadAsync(chunk).ConfigureAwait(false) > 0)
        {
        }
    }
}
