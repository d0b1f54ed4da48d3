using System.Text.Json.Nodes;

namespace KvCertPending.LocalVault.Http;

/// <summary>Writes Key Vault-shaped error bodies.</summary>
internal static class ErrorWriter
{
    public static Task WriteAsync(HttpContext context, int status, string code, string message, string? innerCode = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (innerCode is not null)
        {
            error["innererror"] = new JsonObject { ["code"] = innerCode };
        }

        context.Response.StatusCode = status;
        return VaultJson.WriteAsync(context.Response, new JsonObject { ["error"] = error });
    }

    public static Task WriteAsync(HttpContext context, VaultException error) =>
        WriteAsync(context, error.Status, error.Code, error.Message, error.InnerCode);
}
