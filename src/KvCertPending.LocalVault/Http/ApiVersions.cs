namespace KvCertPending.LocalVault.Http;

/// <summary>The api-version query parameter: required on every Key Vault call, one of the versions below.</summary>
internal static class ApiVersions
{
    /// <summary>
    /// 7.0-7.6, the dated versions, and the previews current SDKs send
    /// (Azure.Security.KeyVault.Certificates 4.10.0 knows 7.0-7.6, 7.6-preview.2, 2025-07-01 and 2026-04-01), and the
    /// first GA version, 2016-10-01, which the service still serves and the Python SDK offers (ApiVersion.V2016_10_01).
    /// </summary>
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        "2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6",
        "7.3-preview", "7.4-preview.1", "7.5-preview.1", "7.6-preview.1", "7.6-preview.2",
        "2025-07-01", "2026-04-01",
    };

    /// <summary>
    /// 7.0-7.2: the versions at which a version-specific GET of an issued certificate carries the certificate's
    /// subject, issuer and serial number at the top level, and no policy.
    /// </summary>
    public static bool Before73(string apiVersion) => apiVersion is "7.0" or "7.1" or "7.2";

    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (ManagementPath.IsManagement(context.Request.Path))
        {
            return next(context);
        }

        var values = context.Request.Query["api-version"];
        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return ErrorWriter.WriteAsync(context, 400, VaultErrors.BadParameterCode, "The api-version query parameter is required.");
        }

        if (values.Count > 1 || !Supported.Contains(values[0]!))
        {
            return ErrorWriter.WriteAsync(context, 400, VaultErrors.BadParameterCode,
                $"The specified version ({values}) is not recognized. Consider using the latest supported version (2025-07-01).");
        }

        return next(context);
    }
}
