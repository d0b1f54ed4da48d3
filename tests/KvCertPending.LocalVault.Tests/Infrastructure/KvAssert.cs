using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>Assertions for Key Vault's wire shapes.</summary>
internal static class KvAssert
{
    public const string InProgressDetails =
        "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later.";

    public const string ManualDetails = "Pending certificate created. Please Perform Merge to complete the request.";

    /// <summary>Asserts a Key Vault error: the status, JSON content type, and the body exactly {"error":{"code","message"}}.</summary>
    public static JsonObject Error(RawResponse response, HttpStatusCode status, string? code = null)
    {
        Assert.True(response.Status == status, $"expected {(int)status}, got {response}");
        JsonObject error = ErrorBody(response);
        if (code is not null)
        {
            Assert.Equal(code, error["code"]!.GetValue<string>());
        }

        return error;
    }

    /// <summary>Asserts a 4xx with a Key Vault-shaped error body, whatever the status and code; returns the error.</summary>
    public static JsonObject ClientError(RawResponse response)
    {
        Assert.True(response.StatusCode is >= 400 and < 500, $"expected a 4xx, got {response}");
        return ErrorBody(response);
    }

    public static JsonObject ErrorBody(RawResponse response)
    {
        JsonContentType(response);
        JsonObject body;
        try
        {
            body = response.Object;
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"error body is not JSON: {response} ({e.Message})");
        }

        Assert.Equal(["error"], body.Select(p => p.Key));
        JsonObject error = body["error"]!.AsObject();
        Assert.Contains("code", error.Select(p => p.Key));
        Assert.Contains("message", error.Select(p => p.Key));
        Assert.False(string.IsNullOrWhiteSpace(error["code"]!.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(error["message"]!.GetValue<string>()));
        return error;
    }

    public static void JsonContentType(RawResponse response)
    {
        string? contentType = response.ContentType;
        Assert.NotNull(contentType);
        Assert.Equal("application/json;charset=utf-8", contentType!.Replace(" ", string.Empty, StringComparison.Ordinal), ignoreCase: true);
    }

    /// <summary>The pending object's exact field set for its state (spec: "The pending object's shape, state by state").</summary>
    public static void PendingShape(JsonObject pending, string expectedStatus)
    {
        string[] always = ["id", "issuer", "csr", "cancellation_requested", "status", "request_id"];
        string[] expected = expectedStatus switch
        {
            "inProgress" => [.. always, "status_details"],
            "completed" => [.. always, "target"],
            "failed" => [.. always, "error"],
            "cancelled" => always,
            _ => throw new ArgumentOutOfRangeException(nameof(expectedStatus)),
        };

        Assert.Equal(expectedStatus, pending["status"]!.GetValue<string>());
        Assert.Equal(expected.Order(StringComparer.Ordinal), pending.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["name"], pending["issuer"]!.AsObject().Select(p => p.Key));
        Assert.Matches("^[0-9a-f]{32}$", pending["request_id"]!.GetValue<string>());
        Assert.True(pending["cancellation_requested"]!.GetValueKind() is JsonValueKind.True or JsonValueKind.False, "cancellation_requested is a bool");

        string csr = pending["csr"]!.GetValue<string>();
        Assert.DoesNotContain("-----", csr, StringComparison.Ordinal);
        Assert.NotEmpty(Convert.FromBase64String(csr));
        if (expectedStatus == "failed")
        {
            JsonObject error = pending["error"]!.AsObject();
            Assert.False(string.IsNullOrWhiteSpace(error["code"]?.GetValue<string>()));
            Assert.False(string.IsNullOrWhiteSpace(error["message"]?.GetValue<string>()));
        }
    }

    /// <summary>x-ms-request-id is a UUID.</summary>
    public static void RequestId(RawResponse response)
    {
        string? id = response.Header("x-ms-request-id");
        Assert.True(id is not null, $"no x-ms-request-id on {response.StatusCode}");
        Assert.True(Guid.TryParse(id, out _), $"x-ms-request-id '{id}' is not a UUID");
    }

    public static string Str(JsonNode? node, string property) => node?[property]?.GetValue<string>()
        ?? throw new Xunit.Sdk.XunitException($"missing string '{property}' in {node?.ToJsonString()}");
}
