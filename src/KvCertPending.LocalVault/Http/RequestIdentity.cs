using System.Globalization;

namespace KvCertPending.LocalVault.Http;

/// <summary>
/// Outermost step: gives every response an <c>x-ms-request-id</c> (UUID), echoes <c>x-ms-client-request-id</c>,
/// dates it by the vault's clock, and turns any exception into a Key Vault-shaped error so no request can take the
/// process down.
/// </summary>
internal static class RequestIdentity
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var response = context.Response;
        response.Headers["x-ms-request-id"] = NewRequestId();
        if (context.Request.Headers.TryGetValue("x-ms-client-request-id", out var clientRequestId))
        {
            response.Headers["x-ms-client-request-id"] = clientRequestId;
        }

        response.Headers["x-ms-keyvault-service-version"] = "1.9.0.0";
        response.Headers.Date = HttpDate.Now();
        Task handled;
        try
        {
            handled = next(context);
        }
        catch (Exception error)
        {
            handled = Task.FromException(error);
        }

        // A request answered without awaiting anything (a cached GET pending) costs no state machine here.
        return handled.IsCompletedSuccessfully ? handled : ObserveAsync(context, handled);
    }

    private static async Task ObserveAsync(HttpContext context, Task handled)
    {
        var response = context.Response;
        try
        {
            await handled.ConfigureAwait(false);
        }
        catch (VaultException error) when (!response.HasStarted)
        {
            await ErrorWriter.WriteAsync(context, error).ConfigureAwait(false);
        }
        catch (BadHttpRequestException error) when (!response.HasStarted)
        {
            var status = error.StatusCode == StatusCodes.Status413PayloadTooLarge ? 413 : 400;
            await ErrorWriter.WriteAsync(context, status, VaultErrors.BadParameterCode, "The request could not be read.").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception error) when (!response.HasStarted)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("KvCertPending.LocalVault");
            LogUnexpected(logger, context.Request.Method, context.Request.Path, error);
            await ErrorWriter.WriteAsync(context, 500, "InternalServerError", "The local vault failed to process the request.").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A random (version 4) UUID. Not a secret, so from <see cref="Random.Shared"/>: <see cref="Guid.NewGuid"/> asks the
    /// kernel for random bytes, a system call on every request.
    /// </summary>
    public static string NewRequestId()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }

    /// <summary>
    /// The Date header, read from the clock for each request. Kestrel's own is refreshed by a one-second timer and lags
    /// by up to two seconds, while clients date the vault's records by it (the module tells its own lost create from
    /// an older request that way). The text is kept for the second it names, so most requests reuse it.
    /// </summary>
    private static class HttpDate
    {
        private static Stamp _last = new(0, string.Empty);

        public static string Now()
        {
            var seconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var last = Volatile.Read(ref _last);
            if (last.Seconds != seconds)
            {
                last = new Stamp(seconds, DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("r", CultureInfo.InvariantCulture));
                Volatile.Write(ref _last, last);
            }

            return last.Text;
        }

        private sealed record Stamp(long Seconds, string Text);
    }

    private static void LogUnexpected(ILogger logger, string method, PathString path, Exception error) =>
        logger.LogError(error, "Unexpected failure in {Method} {Path}", method, path);
}
