using System.Globalization;
using KvCertPending.LocalVault.Http;

namespace KvCertPending.LocalVault.Faults;

/// <summary>Applies injected faults (and the configured response latency) to Key Vault requests; management paths are exempt.</summary>
internal static class FaultMiddleware
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (ManagementPath.IsManagement(context.Request.Path))
        {
            return next(context);
        }

        var latency = context.RequestServices.GetRequiredService<LocalVaultOptions>().ResponseLatency;
        if (latency > TimeSpan.Zero)
        {
            return DelayThenApplyAsync(context, next, latency);
        }

        // The usual case (no latency, no fault) passes straight on: no state machine per request.
        var fault = Pick(context);
        return fault is null ? next(context) : ApplyAsync(context, next, fault);
    }

    private static VaultFault? Pick(HttpContext context) =>
        context.RequestServices.GetRequiredService<FaultInjector>().Pick(context.Request.Method, context.Request.Path);

    private static async Task DelayThenApplyAsync(HttpContext context, RequestDelegate next, TimeSpan latency)
    {
        await Task.Delay(latency, context.RequestAborted).ConfigureAwait(false);
        await ApplyAsync(context, next, Pick(context)).ConfigureAwait(false);
    }

    private static async Task ApplyAsync(HttpContext context, RequestDelegate next, VaultFault? fault)
    {
        switch (fault?.Kind)
        {
            case null:
                await next(context).ConfigureAwait(false);
                return;
            case VaultFaultKind.Latency:
                await Task.Delay(fault.Latency, context.RequestAborted).ConfigureAwait(false);
                await next(context).ConfigureAwait(false);
                return;
            case VaultFaultKind.Throttle:
                context.Response.Headers.RetryAfter = fault.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await ErrorWriter.WriteAsync(context, 429, "Throttled", "Request was not processed because too many requests were received (injected fault).").ConfigureAwait(false);
                return;
            case VaultFaultKind.Unavailable:
                context.Response.Headers.RetryAfter = fault.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await ErrorWriter.WriteAsync(context, 503, "ServiceUnavailable", "The service is temporarily unavailable (injected fault).").ConfigureAwait(false);
                return;
            case VaultFaultKind.InternalError:
                await ErrorWriter.WriteAsync(context, 500, "InternalServerError", "The server encountered an internal error (injected fault).").ConfigureAwait(false);
                return;
            case VaultFaultKind.DropBeforeHandling:
                context.Abort();
                return;
            default:
                await HandleThenDropAsync(context, next).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>Runs the request to completion (its change is committed) into a buffer, then drops the connection.</summary>
    private static async Task HandleThenDropAsync(HttpContext context, RequestDelegate next)
    {
        var original = context.Response.Body;
        await using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            context.Response.Body = original;
            context.Abort();
        }
    }
}
