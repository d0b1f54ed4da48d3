using System.Diagnostics;

namespace KvCertPending.LocalVault.Http;

/// <summary>One log line per request: method, path, status, time. Never headers (tokens) nor bodies (keys, passwords).</summary>
internal static partial class RequestLog
{
    /// <summary>The request logger of each vault's logger factory (CreateLogger takes the factory's lock: not once a request).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ILoggerFactory, ILogger> Loggers = new();

    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var logger = Loggers.GetValue(context.RequestServices.GetRequiredService<ILoggerFactory>(), factory => factory.CreateLogger("KvCertPending.LocalVault.Requests"));
            if (logger.IsEnabled(LogLevel.Information))
            {
                Log(logger, context.Request.Method, context.Request.Path, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} -> {Status} in {Milliseconds:0.0} ms")]
    private static partial void Log(ILogger logger, string method, string path, int status, double milliseconds);
}
