using System;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace KvCertPending.Engine
{
    /// <summary>
    /// The module's retry policy, in place of the SDK's default RetryPolicy (which retries 408/429/500/502/503/504 and
    /// I/O errors for every method, 1 + 3 tries, 100 s network timeout per try, no overall limit). It keeps what is
    /// right in it and adds what a runbook needs:
    /// <list type="bullet">
    /// <item>an operation budget (<see cref="RetrySettings.OperationTimeout"/>) over every try and back-off, and a per-try
    /// network timeout never longer than what is left of it: a hung vault cannot hold a cmdlet past the budget;</item>
    /// <item>Retry-After (and retry-after-ms) honoured as a floor for the back-off; a wait beyond
    /// <see cref="RetrySettings.MaxDelay"/> or beyond the budget gives up at once instead of sleeping in vain;</item>
    /// <item>POST, PATCH and DELETE are not retried blindly: only when the vault certainly did not act (429, 503, 408, or a
    /// connection refused before anything was sent). A lost answer (timeout, dropped connection, 500/502/504) goes back
    /// to the engine, which checks what the vault did before sending again (<see cref="VaultSession"/>);</item>
    /// <item>a record of the tries (<see cref="RetryBudget"/>) that the error message names when it gives up.</item>
    /// </list>
    /// Cancellation (Ctrl+C) is never retried: the SDK's waits and sends take the caller's token.
    /// </summary>
    internal sealed class KvRetryPolicy : RetryPolicy
    {
        internal const string BudgetProperty = "KvCertPending.RetryBudget";
        private const string TriesProperty = "KvCertPending.Tries";

        private readonly RetrySettings _settings;

        public KvRetryPolicy(RetrySettings settings)
            : base(RetrySettings.MaxAttempts - 1, Backoffs)
        {
            _settings = settings;
        }

        protected override void OnSendingRequest(HttpMessage message)
        {
            var budget = BudgetOf(message);
            budget.Sending(message.Request.Method);
            message.SetProperty(TriesProperty, TriesOf(message) + 1);
            var left = budget.Remaining;
            var timeout = left < _settings.RequestTimeout ? left : _settings.RequestTimeout;
            message.NetworkTimeout = timeout > TimeSpan.FromMilliseconds(1) ? timeout : TimeSpan.FromMilliseconds(1);
        }

        protected override ValueTask OnSendingRequestAsync(HttpMessage message)
        {
            OnSendingRequest(message);
            return default;
        }

        protected override bool ShouldRetry(HttpMessage message, Exception? exception)
        {
            if (message.CancellationToken.IsCancellationRequested)
            {
                return false;
            }

            var budget = BudgetOf(message);
            var failure = TryFailure.Describe(message, exception);
            budget.Failed(message.Request.Method, failure);

            var safe = IsIdempotent(message.Request.Method) || failure.CertainlyNotHandled;
            if (!failure.Transient || !safe)
            {
                budget.Stop(failure.Transient ? GiveUpReason.NotSafeToRepeat : GiveUpReason.NotTransient);
                Register(message, exception, budget);
                return false;
            }

            if (TriesOf(message) >= RetrySettings.MaxAttempts)
            {
                budget.Stop(GiveUpReason.Attempts);
                Register(message, exception, budget);
                return false;
            }

            if (failure.RetryAfter is { } asked && asked > RetrySettings.MaxDelay)
            {
                budget.Stop(GiveUpReason.RetryAfterTooLong);
                Register(message, exception, budget);
                return false;
            }

            // What the base policy is about to wait: the back-off, or the vault's Retry-After when that is longer.
            var delay = Backoffs.GetNextDelay(message.HasResponse ? message.Response : null, TriesOf(message));

            if (delay >= budget.Remaining)
            {
                budget.Stop(GiveUpReason.Budget);
                Register(message, exception, budget);
                return false;
            }

            return true;
        }

        protected override ValueTask<bool> ShouldRetryAsync(HttpMessage message, Exception? exception) => new(ShouldRetry(message, exception));

        /// <summary>
        /// GET, HEAD and PUT can be sent twice. POST (create, merge) and DELETE cannot; nor the module's PATCH (ask for
        /// cancellation): its state change is idempotent, but once the issuer has honoured the first, a second one
        /// meets 403, an error for its own success (the engine checks instead).
        /// </summary>
        internal static bool IsIdempotent(RequestMethod method) => method == RequestMethod.Get || method == RequestMethod.Head || method == RequestMethod.Put;

        /// <summary>The back-off before retry number <paramref name="retry"/> (1-based) when the vault asked for no wait.</summary>
        internal static TimeSpan Backoff(int retry) => Backoffs.GetNextDelay(null, retry);

        /// <summary>
        /// Exponential back-off as the SDK's (0.8 s, 1.6 s, 3.2 s ... up to <see cref="RetrySettings.MaxDelay"/>), with
        /// Retry-After as a floor, and without jitter, so that the policy knows in <see cref="ShouldRetry"/> exactly how
        /// long the base class will wait (and can give up instead when that passes the budget).
        /// </summary>
        private static readonly DelayStrategy Backoffs = new ExponentialBackoff();

        private sealed class ExponentialBackoff : DelayStrategy
        {
            public ExponentialBackoff()
                : base(RetrySettings.MaxDelay, 0)
            {
            }

            protected override TimeSpan GetNextDelayCore(Response? response, int retryNumber) =>
                TimeSpan.FromSeconds(RetrySettings.BaseDelay.TotalSeconds * Math.Pow(2, Math.Min(Math.Max(retryNumber, 1) - 1, 16)));
        }

        /// <summary>Tries of this one request so far (the SDK's own count is internal).</summary>
        private static int TriesOf(HttpMessage message) => message.TryGetProperty(TriesProperty, out var value) && value is int tries ? tries : 0;

        private RetryBudget BudgetOf(HttpMessage message)
        {
            if (message.TryGetProperty(BudgetProperty, out var value) && value is RetryBudget budget)
            {
                return budget;
            }

            budget = new RetryBudget(_settings);
            message.SetProperty(BudgetProperty, budget);
            return budget;
        }

        private static void Register(HttpMessage message, Exception? exception, RetryBudget budget)
        {
            object? key = exception is not null ? exception : message.HasResponse ? message.Response : null;
            if (key is not null)
            {
                RetryBudget.Remember(key, budget.Snapshot());
            }
        }
    }

    /// <summary>Why the module stopped trying.</summary>
    internal enum GiveUpReason
    {
        None,
        NotTransient,
        NotSafeToRepeat,
        Attempts,
        RetryAfterTooLong,
        Budget,
    }

    /// <summary>What kind of failure one try met.</summary>
    internal enum FailureKind
    {
        Status,
        Timeout,
        Connection,
    }

    /// <summary>One failed try, described for the user ("503 ServiceUnavailable", "no answer within 30 s").</summary>
    internal sealed class TryFailure
    {
        private TryFailure(FailureKind kind, int status, string text, bool transient, bool certainlyNotHandled, TimeSpan? retryAfter)
        {
            Kind = kind;
            Status = status;
            Text = text;
            Transient = transient;
            CertainlyNotHandled = certainlyNotHandled;
            RetryAfter = retryAfter;
        }

        public FailureKind Kind { get; }

        public int Status { get; }

        public string Text { get; }

        /// <summary>Worth another try (the SDK's list: 408, 429, 500, 502, 503, 504, I/O and timeouts).</summary>
        public bool Transient { get; }

        /// <summary>The vault did not act on the request (so even a POST can be sent again).</summary>
        public bool CertainlyNotHandled { get; }

        public TimeSpan? RetryAfter { get; }

        public static TryFailure Describe(HttpMessage message, Exception? exception)
        {
            if (exception is OperationCanceledException)
            {
                var seconds = (message.NetworkTimeout ?? TimeSpan.Zero).TotalSeconds;
                return new TryFailure(FailureKind.Timeout, 0,
                    string.Format(CultureInfo.InvariantCulture, "no answer within {0:0.#} s", seconds), transient: true, certainlyNotHandled: false, null);
            }

            if (exception is not null)
            {
                var refused = Find<SocketException>(exception) is { SocketErrorCode: SocketError.ConnectionRefused };
                var transient = refused || exception is IOException || exception is Azure.RequestFailedException { Status: 0 } || Find<IOException>(exception) is not null;
                return new TryFailure(FailureKind.Connection, 0,
                    (refused ? "connection refused: " : "connection failed: ") + Innermost(exception).Message, transient, refused, null);
            }

            var response = message.Response;
            var code = ErrorCode(response);
            var status = response.Status;
            var text = status.ToString(CultureInfo.InvariantCulture) + (code.Length > 0 ? " " + code : string.Empty);
            var isTransient = status is 408 or 429 or 500 or 502 or 503 or 504;
            return new TryFailure(FailureKind.Status, status, text, isTransient, status is 408 or 429 or 503, KvRequestPolicy.ParseRetryAfter(response));
        }

        private static string ErrorCode(Response response)
        {
            try
            {
                var content = response.Content?.ToString();
                if (!string.IsNullOrEmpty(content))
                {
                    using var document = System.Text.Json.JsonDocument.Parse(content!);
                    if (document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                        && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == System.Text.Json.JsonValueKind.Object
                        && error.TryGetProperty("code", out var code) && code.ValueKind == System.Text.Json.JsonValueKind.String)
                    {
                        return code.GetString() ?? string.Empty;
                    }
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // Not JSON: the status alone.
            }

            return response.ReasonPhrase ?? string.Empty;
        }

        private static T? Find<T>(Exception exception)
            where T : Exception
        {
            for (Exception? e = exception; e is not null; e = e.InnerException)
            {
                if (e is T found)
                {
                    return found;
                }
            }

            return null;
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

    /// <summary>
    /// The tries of one vault operation: shared by every request the operation sends (the engine puts one in the
    /// message properties of a create or a merge, so the checks after a lost answer spend the same budget); made per
    /// request otherwise. Thread-safe.
    /// </summary>
    internal sealed class RetryBudget
    {
        private static readonly ConditionalWeakTable<object, GiveUp> GiveUps = new();

        private readonly object _gate = new();
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private RequestMethod? _primary;
        private int _attempts;
        private TryFailure? _last;
        private GiveUpReason _reason;

        public RetryBudget(RetrySettings settings) => Settings = settings;

        public RetrySettings Settings { get; }

        public TimeSpan Elapsed => _clock.Elapsed;

        public TimeSpan Remaining => Settings.OperationTimeout - _clock.Elapsed;

        /// <summary>Tries of the operation's own request (the first method sent: checks made with GET are not counted).</summary>
        public int Attempts
        {
            get
            {
                lock (_gate)
                {
                    return _attempts;
                }
            }
        }

        public TryFailure? LastFailure
        {
            get
            {
                lock (_gate)
                {
                    return _last;
                }
            }
        }

        public void Sending(RequestMethod method)
        {
            lock (_gate)
            {
                _primary ??= method;
                if (_primary == method)
                {
                    _attempts++;
                }
            }
        }

        /// <summary>A try failed; the operation's own request is what the error will name (not the checks made after it).</summary>
        public void Failed(RequestMethod method, TryFailure failure)
        {
            lock (_gate)
            {
                if (_primary is null || _primary == method)
                {
                    _last = failure;
                }
            }
        }

        public void Stop(GiveUpReason reason)
        {
            lock (_gate)
            {
                _reason = reason;
            }
        }

        public GiveUp Snapshot()
        {
            lock (_gate)
            {
                return new GiveUp(_attempts, _clock.Elapsed, _last, _reason, Settings);
            }
        }

        /// <summary>
        /// For the engine, after it checked that a lost request was not acted on: whether one more try fits in the
        /// attempts and the budget, and after what back-off. When it does not, the budget records why.
        /// </summary>
        public bool CanResend(out TimeSpan delay)
        {
            var attempts = Attempts;
            delay = KvRetryPolicy.Backoff(attempts);
            if (attempts >= RetrySettings.MaxAttempts)
            {
                Stop(GiveUpReason.Attempts);
                return false;
            }

            if (delay >= Remaining)
            {
                Stop(GiveUpReason.Budget);
                return false;
            }

            return true;
        }

        /// <summary>Records the budget as it is now for the exception the engine is about to report.</summary>
        public void Restate(Exception exception)
        {
            while (exception is AggregateException { InnerExceptions.Count: > 0 } aggregate)
            {
                exception = aggregate.InnerExceptions[aggregate.InnerExceptions.Count - 1];
            }

            Remember(exception, Snapshot());
        }

        /// <summary>Keeps what the tries were for the exception (or response) the SDK will surface.</summary>
        public static void Remember(object key, GiveUp giveUp)
        {
            GiveUps.Remove(key);
            GiveUps.Add(key, giveUp);
        }

        /// <summary>What the tries behind this exception were, when the module's policy saw them.</summary>
        public static GiveUp? Recall(Exception exception)
        {
            if (GiveUps.TryGetValue(exception, out var found))
            {
                return found;
            }

            if (exception is Azure.RequestFailedException failed && failed.GetRawResponse() is { } response && GiveUps.TryGetValue(response, out found))
            {
                return found;
            }

            return null;
        }
    }

    /// <summary>The tries of an operation at the moment it gave up.</summary>
    internal sealed class GiveUp
    {
        public GiveUp(int attempts, TimeSpan elapsed, TryFailure? last, GiveUpReason reason, RetrySettings settings)
        {
            Attempts = attempts;
            Elapsed = elapsed;
            Last = last;
            Reason = reason;
            Settings = settings;
        }

        public int Attempts { get; }

        public TimeSpan Elapsed { get; }

        public TryFailure? Last { get; }

        public GiveUpReason Reason { get; }

        public RetrySettings Settings { get; }

        /// <summary>True when the module tried more than once or stopped on a limit: worth telling the user how.</summary>
        public bool Retried => Attempts > 1 || Reason is GiveUpReason.Budget or GiveUpReason.RetryAfterTooLong or GiveUpReason.Attempts or GiveUpReason.NotSafeToRepeat
            || Last?.Kind == FailureKind.Timeout;
    }
}
