using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using Azure;
using Azure.Identity;
using KvCertPending.Resources;

namespace KvCertPending.Engine
{
    /// <summary>What the module was doing when the vault answered with an error: the same status means different things.</summary>
    internal enum VaultOperation
    {
        Create,
        GetPending,
        List,
        Cancel,
        Delete,
        Merge,
    }

    /// <summary>
    /// Maps a vault error to a stable error id and category (404 ObjectNotFound, 409 ResourceExists, 403 PermissionDenied,
    /// 400 InvalidOperation/InvalidArgument), keeping the service's code and message and the certificate name as target.
    /// </summary>
    internal static class ServiceErrors
    {
        public static KvCertPendingException Map(Exception exception, VaultOperation operation, string? name, VaultEndpoint endpoint, string? requestId = null)
        {
            var mapped = MapCore(exception, operation, name, endpoint, requestId);
            var last = exception is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[aggregate.InnerExceptions.Count - 1] : exception;
            return name is not null && RetryBudget.Recall(last) is { Reason: GiveUpReason.NotSafeToRepeat }
                ? mapped.WithRecommendedAction(string.Format(CultureInfo.CurrentCulture, Strings.OutcomeUnknownAction, name))
                : mapped;
        }

        private static KvCertPendingException MapCore(Exception exception, VaultOperation operation, string? name, VaultEndpoint endpoint, string? requestId)
        {
            switch (exception)
            {
                case KvCertPendingException known:
                    return known;
                case AggregateException aggregate when IsTransportAggregate(aggregate):
                    // The SDK's retries all failed (e.g. TLS or connection errors, timeouts): the last attempt says why.
                    return MapCore(aggregate.InnerExceptions[aggregate.InnerExceptions.Count - 1], operation, name, endpoint, requestId);
                case OperationCanceledException timedOut when RetryBudget.Recall(timedOut) is { } giveUp:
                    // The per-try network timeout (never the caller's Ctrl+C: that is not a vault error).
                    return new KvCertPendingException(
                        "VaultTimeout", ErrorCategory.OperationTimeout,
                        string.Format(CultureInfo.CurrentCulture, Strings.VaultTimeout, endpoint.VaultUri) + " " + GaveUpText(giveUp),
                        (object?)name ?? endpoint.VaultUri, timedOut, Strings.VaultTimeoutAction);
                case AuthenticationFailedException auth:
                    return new KvCertPendingException(
                        "AuthenticationFailed", ErrorCategory.AuthenticationError,
                        string.Format(CultureInfo.CurrentCulture, Strings.AuthenticationFailed, endpoint.VaultUri, auth.Message),
                        (object?)name ?? endpoint.VaultUri, auth, Strings.AuthenticationFailedAction);
                case RequestFailedException failed:
                    return MapRequestFailed(failed, operation, name, endpoint, requestId);
                default:
                    throw new ArgumentException("Not a vault error.", nameof(exception), exception);
            }
        }

        private static KvCertPendingException MapRequestFailed(RequestFailedException ex, VaultOperation operation, string? name, VaultEndpoint endpoint, string? requestId)
        {
            var (code, message, innerCode) = ReadServiceError(ex);
            object target = (object?)name ?? endpoint.VaultUri;
            var vault = endpoint.VaultUri.ToString();
            var giveUp = RetryBudget.Recall(ex);
            var gaveUp = giveUp is { Retried: true } ? " " + GaveUpText(giveUp) : string.Empty;

            KvCertPendingException Error(string id, ErrorCategory category, string text, string? action = null) =>
                new(id, category,
                    text + gaveUp + " " + string.Format(CultureInfo.CurrentCulture, Strings.ServiceSaid, ex.Status, code, message),
                    target, ex, action, ex.Status, code, message);

            bool Says(string fragment) => message.IndexOf(fragment, StringComparison.OrdinalIgnoreCase) >= 0;

            switch (ex.Status)
            {
                case 0:
                    return new KvCertPendingException(
                        "VaultUnreachable", ErrorCategory.ConnectionError,
                        Sentence(string.Format(CultureInfo.CurrentCulture, Strings.VaultUnreachable, vault, Innermost(ex).Message), gaveUp.Length > 0) + gaveUp,
                        target, ex, Strings.VaultUnreachableAction);
                case 401:
                    return Error("AuthenticationFailed", ErrorCategory.AuthenticationError,
                        string.Format(CultureInfo.CurrentCulture, Strings.Unauthorized, vault), Strings.AuthenticationFailedAction);
                case 404 when operation == VaultOperation.Create && string.Equals(code, "CertificateIssuerNotFound", StringComparison.OrdinalIgnoreCase):
                    return Error("CertificateIssuerNotFound", ErrorCategory.ObjectNotFound,
                        string.Format(CultureInfo.CurrentCulture, Strings.IssuerNotFound, name, vault), Strings.IssuerNotFoundAction);
                case 404 when operation is VaultOperation.GetPending or VaultOperation.Cancel or VaultOperation.Delete or VaultOperation.Merge:
                    return Error("PendingCertificateNotFound", ErrorCategory.ObjectNotFound,
                        requestId is null
                            ? string.Format(CultureInfo.CurrentCulture, Strings.PendingNotFound, name, vault)
                            : string.Format(CultureInfo.CurrentCulture, Strings.PendingNotFoundWithRequestId, name, vault, requestId));
                case 404:
                    return Error("VaultObjectNotFound", ErrorCategory.ObjectNotFound,
                        string.Format(CultureInfo.CurrentCulture, Strings.VaultObjectNotFound, name ?? vault));
                case 409 when operation == VaultOperation.Create && (string.Equals(innerCode, "ObjectIsDeletedButRecoverable", StringComparison.OrdinalIgnoreCase) || Says("deleted but recoverable") || Says("ObjectIsDeletedButRecoverable")):
                    return Error("CertificateDeletedButRecoverable", ErrorCategory.ResourceExists,
                        string.Format(CultureInfo.CurrentCulture, Strings.DeletedButRecoverable, name, vault), Strings.DeletedButRecoverableAction);
                case 409 when operation == VaultOperation.Create:
                    return Error("PendingCertificateInProgress", ErrorCategory.ResourceExists,
                        string.Format(CultureInfo.CurrentCulture, Strings.PendingInProgress, name, vault),
                        string.Format(CultureInfo.CurrentCulture, Strings.PendingInProgressAction, name));
                case 409:
                    return Error("PendingCertificateConflict", ErrorCategory.ResourceExists,
                        string.Format(CultureInfo.CurrentCulture, Strings.PendingConflict, name, vault), Strings.PendingConflictAction);
                case 403 when operation == VaultOperation.Merge && Says("completed"):
                    return Error("PendingCertificateAlreadyCompleted", ErrorCategory.InvalidOperation,
                        string.Format(CultureInfo.CurrentCulture, Strings.AlreadyCompleted, name),
                        string.Format(CultureInfo.CurrentCulture, Strings.AlreadyCompletedAction, name));
                case 403 when operation == VaultOperation.Merge && Says("in progress"):
                    return Error("MergeForbiddenWhileIssuerInProgress", ErrorCategory.PermissionDenied,
                        string.Format(CultureInfo.CurrentCulture, Strings.MergeForbidden, name),
                        string.Format(CultureInfo.CurrentCulture, Strings.MergeForbiddenAction, name));
                case 403 or 400 when operation == VaultOperation.Cancel && (ex.Status == 400 || Says("in progress") || Says("pending status")):
                    return Error("CancellationNotAllowed", ErrorCategory.InvalidOperation,
                        string.Format(CultureInfo.CurrentCulture, Strings.CancellationNotAllowed, name),
                        string.Format(CultureInfo.CurrentCulture, Strings.CancellationNotAllowedAction, name));
                case 403:
                    return Error("AccessDenied", ErrorCategory.PermissionDenied,
                        string.Format(CultureInfo.CurrentCulture, Strings.AccessDenied, vault, name));
                case 400 when operation == VaultOperation.Merge && Says("does not match"):
                    return Error("CertificateKeyMismatch", ErrorCategory.InvalidArgument,
                        string.Format(CultureInfo.CurrentCulture, Strings.ServiceKeyMismatch, name), Strings.CertificateKeyMismatchAction);
                case 400 when operation == VaultOperation.Merge:
                    return Error("CertificateChainRejected", ErrorCategory.InvalidArgument,
                        string.Format(CultureInfo.CurrentCulture, Strings.ChainRejected, name));
                case 400 when operation == VaultOperation.Create:
                    return Error("CertificateRequestRejected", ErrorCategory.InvalidArgument,
                        string.Format(CultureInfo.CurrentCulture, Strings.CreateRejected, name));
                case 400:
                    return Error("InvalidRequest", ErrorCategory.InvalidArgument,
                        string.Format(CultureInfo.CurrentCulture, Strings.InvalidRequest, name ?? vault));
                case 429:
                    return Error("VaultThrottled", ErrorCategory.LimitsExceeded,
                        string.Format(CultureInfo.CurrentCulture, Strings.Throttled, vault), Strings.VaultUnavailableAction);
                case 500 or 502 or 503 or 504:
                    return Error("VaultUnavailable", ErrorCategory.ResourceUnavailable,
                        string.Format(CultureInfo.CurrentCulture, Strings.VaultUnavailable, vault), Strings.VaultUnavailableAction);
                default:
                    return Error("VaultRequestFailed", ErrorCategory.NotSpecified,
                        string.Format(CultureInfo.CurrentCulture, Strings.RequestFailed, vault, ex.Status));
            }
        }

        /// <summary>error.code, error.message and error.innererror.code from the body; the SDK's view when there is none.</summary>
        internal static (string Code, string Message, string? InnerCode) ReadServiceError(RequestFailedException ex)
        {
            var response = ex.GetRawResponse();
            var code = ex.ErrorCode ?? string.Empty;
            var message = FirstLine(ex.Message);
            string? innerCode = null;
            try
            {
                var content = response?.Content?.ToString();
                if (!string.IsNullOrEmpty(content))
                {
                    using var document = JsonDocument.Parse(content!);
                    if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                    {
                        if (error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String)
                        {
                            code = c.GetString() ?? code;
                        }

                        if (error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                        {
                            message = m.GetString() ?? message;
                        }

                        if (error.TryGetProperty("innererror", out var inner) && inner.ValueKind == JsonValueKind.Object
                            && inner.TryGetProperty("code", out var ic) && ic.ValueKind == JsonValueKind.String)
                        {
                            innerCode = ic.GetString();
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON: keep the SDK's view.
            }

            return (code, message, innerCode);
        }

        /// <summary>"Gave up after 4 attempts over 9.2 s: 503 ServiceUnavailable." and why it stopped there.</summary>
        internal static string GaveUpText(GiveUp giveUp)
        {
            var culture = CultureInfo.CurrentCulture;
            var text = string.Format(culture, Strings.GaveUp, giveUp.Attempts, giveUp.Elapsed.TotalSeconds.ToString("0.0", culture), giveUp.Last?.Text ?? "?");
            var why = giveUp.Reason switch
            {
                GiveUpReason.Budget => string.Format(culture, Strings.GaveUpBudget, giveUp.Settings.OperationTimeout.TotalSeconds.ToString("0.#", culture), RetrySettings.OperationTimeoutVariable),
                GiveUpReason.RetryAfterTooLong => string.Format(culture, Strings.GaveUpRetryAfter,
                    (giveUp.Last?.RetryAfter ?? TimeSpan.Zero).TotalSeconds.ToString("0.#", culture), RetrySettings.MaxDelay.TotalSeconds.ToString("0.#", culture)),
                GiveUpReason.Attempts => string.Format(culture, Strings.GaveUpAttempts, RetrySettings.MaxAttempts),
                GiveUpReason.NotSafeToRepeat => Strings.GaveUpNotRepeated,
                _ => null,
            };
            return why is null ? text : text + " " + why;
        }

        /// <summary>The SDK's AggregateException after several failed tries: connection errors and timeouts only.</summary>
        internal static bool IsTransportAggregate(AggregateException aggregate) =>
            aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(e => e is RequestFailedException or OperationCanceledException)
            && aggregate.InnerExceptions[aggregate.InnerExceptions.Count - 1] is var last
            && (last is RequestFailedException || RetryBudget.Recall(last) is not null);

        /// <summary>
        /// True for what the vault (or the way to it) did: a RequestFailedException, a sign-in failure, a per-try timeout
        /// of the module's retry policy, or the SDK's AggregateException of those. Not for Ctrl+C.
        /// </summary>
        internal static bool IsVaultError(Exception ex) =>
            ex is RequestFailedException or AuthenticationFailedException
            || (ex is OperationCanceledException && RetryBudget.Recall(ex) is not null)
            || (ex is AggregateException aggregate && IsTransportAggregate(aggregate));

        private static string Sentence(string text, bool more) => more && !text.EndsWith(".", StringComparison.Ordinal) ? text + "." : text;

        private static string FirstLine(string text)
        {
            var end = text.IndexOfAny(new[] { '\r', '\n' });
            return end < 0 ? text : text.Substring(0, end);
        }

        private static Exception Innermost(Exception ex)
        {
            while (ex.InnerException is not null)
            {
                ex = ex.InnerException;
            }

            return ex;
        }
    }
}
