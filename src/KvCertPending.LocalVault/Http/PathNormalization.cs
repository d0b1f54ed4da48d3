namespace KvCertPending.LocalVault.Http;

/// <summary>Collapses <c>//</c> and drops a trailing <c>/</c>, as Key Vault tolerates both and the SDKs send them.</summary>
internal static class PathNormalization
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value;
        if (!string.IsNullOrEmpty(path) && (path.Contains("//", StringComparison.Ordinal) || (path.Length > 1 && path.EndsWith('/'))))
        {
            context.Request.Path = new PathString(Normalize(path));
        }

        return next(context);
    }

    public static string Normalize(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return "/" + string.Join('/', segments);
    }
}
