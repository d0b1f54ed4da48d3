using System;
using System.Globalization;
using System.Management.Automation;
using KvCertPending.Resources;

namespace KvCertPending.Engine
{
    /// <summary>
    /// How long one vault operation may take: a network timeout for each try (sending the request and reading its
    /// answer) and a budget for the whole operation (every try, every back-off, and the checks made after a lost
    /// answer). A hung vault cannot hold a cmdlet longer than the budget; Ctrl+C ends it at once whatever the setting.
    /// </summary>
    /// <remarks>
    /// Set for a session with <c>$KvCertPendingRequestTimeout</c> and <c>$KvCertPendingOperationTimeout</c> (seconds,
    /// or a TimeSpan); unset, the defaults below apply.
    /// </remarks>
    internal sealed class RetrySettings
    {
        public const string RequestTimeoutVariable = "KvCertPendingRequestTimeout";
        public const string OperationTimeoutVariable = "KvCertPendingOperationTimeout";

        /// <summary>
        /// Tries of one request at most: the first and three retries, as the SDK's default (so a wrong host fails after
        /// 0.8 + 1.6 + 3.2 s of back-off, not minutes; a vault that asks for more patience says so with Retry-After).
        /// </summary>
        public const int MaxAttempts = 4;

        /// <summary>Per try: the SDK's default is 100 s; a healthy vault answers in well under a second.</summary>
        public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

        /// <summary>Per operation: the SDK has none (4 tries of 100 s plus back-offs: almost 7 minutes).</summary>
        public static readonly TimeSpan DefaultOperationTimeout = TimeSpan.FromSeconds(120);

        /// <summary>The first back-off (then doubled each retry, with jitter, up to <see cref="MaxDelay"/>): as the SDK.</summary>
        public static readonly TimeSpan BaseDelay = TimeSpan.FromSeconds(0.8);

        /// <summary>The longest back-off, also for a Retry-After the vault asks for (beyond it the operation gives up).</summary>
        public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(60);

        private static readonly TimeSpan Largest = TimeSpan.FromHours(24);

        public static readonly RetrySettings Default = new(DefaultRequestTimeout, DefaultOperationTimeout);

        public RetrySettings(TimeSpan requestTimeout, TimeSpan operationTimeout)
        {
            RequestTimeout = requestTimeout;
            OperationTimeout = operationTimeout;
            Key = requestTimeout.Ticks.ToString(CultureInfo.InvariantCulture) + "/" + operationTimeout.Ticks.ToString(CultureInfo.InvariantCulture);
        }

        public TimeSpan RequestTimeout { get; }

        public TimeSpan OperationTimeout { get; }

        /// <summary>Tells settings apart (for the client cache).</summary>
        public string Key { get; }

        /// <summary>The session's setting from the two variables' values (null or empty: the default).</summary>
        public static RetrySettings Resolve(object? requestTimeout, object? operationTimeout)
        {
            var request = Read(requestTimeout, RequestTimeoutVariable) ?? DefaultRequestTimeout;
            var operation = Read(operationTimeout, OperationTimeoutVariable) ?? DefaultOperationTimeout;
            return request == DefaultRequestTimeout && operation == DefaultOperationTimeout ? Default : new RetrySettings(request, operation);
        }

        private static TimeSpan? Read(object? value, string variable)
        {
            var raw = value is PSObject wrapped ? wrapped.BaseObject : value;
            TimeSpan? span = raw switch
            {
                null => null,
                string s when s.Trim().Length == 0 => null,
                TimeSpan t => t,
                string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) => FromSeconds(seconds),
                string s when TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var parsed) => parsed,
                string => TimeSpan.MinValue,
                IConvertible number and not bool and not char => FromSeconds(Convert.ToDouble(number, CultureInfo.InvariantCulture)),
                _ => TimeSpan.MinValue,
            };

            if (span is { } t2 && (t2 <= TimeSpan.Zero || t2 > Largest))
            {
                throw new KvCertPendingException(
                    "TimeoutSettingInvalid", ErrorCategory.InvalidArgument,
                    string.Format(CultureInfo.CurrentCulture, Strings.TimeoutSettingInvalid, variable, raw),
                    raw);
            }

            return span;
        }

        private static TimeSpan FromSeconds(double seconds) =>
            double.IsNaN(seconds) || seconds <= 0 || seconds > Largest.TotalSeconds ? TimeSpan.MinValue : TimeSpan.FromSeconds(seconds);
    }
}
