using System;
using KvCertPending.Model;

namespace KvCertPending.Engine
{
    /// <summary>What a wait reports between polls. Called off the pipeline thread: implementations queue, never write.</summary>
    internal interface IWaitObserver
    {
        void Polled(KvPendingCertificate state, TimeSpan elapsed, TimeSpan nextPoll, TimeSpan? timeout);
    }

    /// <summary>How a wait ended.</summary>
    internal sealed class WaitResult
    {
        public WaitResult(KvPendingCertificate last, bool timedOut)
        {
            Last = last;
            TimedOut = timedOut;
        }

        public KvPendingCertificate Last { get; }

        public bool TimedOut { get; }
    }

    /// <summary>The poll interval: the service's Retry-After, clamped to a floor and a cap.</summary>
    internal static class PollInterval
    {
        public static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(250);
        public static readonly TimeSpan Cap = TimeSpan.FromSeconds(30);
        public static readonly TimeSpan WithoutHint = TimeSpan.FromSeconds(2);

        public static TimeSpan From(TimeSpan? retryAfter)
        {
            var wanted = retryAfter ?? WithoutHint;
            return wanted < Floor ? Floor : wanted > Cap ? Cap : wanted;
        }
    }
}
