using System.Diagnostics;

namespace KvCertPending.LocalVault.Http;

/// <summary>One log line per request: method, path, status, time. Never headers (tokens) nor bodies (keys, passwords).</summary>
internal static partial class RequestLog
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("KvCertPending.LocalVault.Requests");
            Log(logger, context.Request.Method, context.Request.Path, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} -> {Status} in {Milliseconds:0.0} ms")]
    private static partial void Log(ILogger logger, string method, string path, int status, double milliseconds);
}
