using System;
using System.Globalization;
using System.Management.Automation;
using KvCertPending.Engine;
using KvCertPending.Model;
using KvCertPending.Resources;

namespace KvCertPending.Commands
{
    /// <summary>-Wait and -Timeout as declared by <see cref="KvWaitingCmdlet"/> and <see cref="KvWaitingItemCmdlet"/>.</summary>
    internal interface IWaitingCmdlet
    {
        SwitchParameter Wait { get; }

        int Timeout { get; }
    }

    /// <summary>
    /// What -Wait does, for a cmdlet that declares -Wait and -Timeout: emit a state, or poll until it is final (with
    /// Write-Progress while waiting). One per cmdlet instance (it numbers the progress activities).
    /// </summary>
    internal sealed class PendingWaiter
    {
        private readonly KvCmdlet _cmdlet;
        private readonly IWaitingCmdlet _parameters;
        private int _nextActivityId = 1;

        public PendingWaiter(KvCmdlet cmdlet, IWaitingCmdlet parameters)
        {
            _cmdlet = cmdlet;
            _parameters = parameters;
        }

        /// <summary>
        /// Emits <paramref name="state"/>, or with -Wait the final state it reaches. A manual request (issuer Unknown)
        /// only completes by merge, so it is not waited for. A timeout is a non-terminating error.
        /// </summary>
        public void EmitOrWait(IVaultSession session, KvPendingCertificate state, TimeSpan? retryAfter)
        {
            if (!_parameters.Wait.IsPresent)
            {
                _cmdlet.WriteObject(state);
                return;
            }

            if (state.IsFinal)
            {
                EmitFinal(state);
                return;
            }

            if (state.IsManual)
            {
                _cmdlet.WriteWarning(string.Format(CultureInfo.CurrentCulture, Strings.ManualNotWaited, state.Name));
                _cmdlet.WriteObject(state);
                return;
            }

            var timeout = _cmdlet.MyInvocation.BoundParameters.ContainsKey(nameof(IWaitingCmdlet.Timeout)) ? TimeSpan.FromSeconds(_parameters.Timeout) : (TimeSpan?)null;
            var activityId = _nextActivityId++;
            var activity = string.Format(CultureInfo.CurrentCulture, Strings.WaitActivity, state.Name);
            WaitResult result;
            try
            {
                result = _cmdlet.Run((queue, token) => session.WaitAsync(state, retryAfter, timeout, new ProgressObserver(queue, activityId, activity), token));
            }
            finally
            {
                _cmdlet.WriteProgress(new ProgressRecord(activityId, activity, Strings.WaitDone) { RecordType = ProgressRecordType.Completed });
            }

            if (result.TimedOut)
            {
                _cmdlet.WriteKvError(new KvCertPendingException(
                    "PendingCertificateWaitTimeout",
                    ErrorCategory.OperationTimeout,
                    string.Format(CultureInfo.CurrentCulture, Strings.WaitTimedOut, state.Name, _parameters.Timeout, result.Last.Status),
                    result.Last,
                    recommendedAction: string.Format(CultureInfo.CurrentCulture, Strings.WaitTimedOutAction, state.Name)));
                return;
            }

            EmitFinal(result.Last);
        }

        /// <summary>The final state a wait ends on; a failure is also said as a warning, since -Wait was asked to see it through.</summary>
        private void EmitFinal(KvPendingCertificate final)
        {
            if (string.Equals(final.Status, KvPendingCertificate.FailedStatus, StringComparison.OrdinalIgnoreCase))
            {
                _cmdlet.WriteWarning(string.Format(CultureInfo.CurrentCulture, Strings.RequestFailedWarning, final.Name, final.ErrorCode, final.ErrorMessage));
            }

            _cmdlet.WriteObject(final);
        }

        /// <summary>Turns poll reports into Write-Progress, posted to the pipeline thread.</summary>
        private sealed class ProgressObserver : IWaitObserver
        {
            private readonly PipelineQueue _queue;
            private readonly int _activityId;
            private readonly string _activity;

            public ProgressObserver(PipelineQueue queue, int activityId, string activity)
            {
                _queue = queue;
                _activityId = activityId;
                _activity = activity;
            }

            public void Polled(KvPendingCertificate state, TimeSpan elapsed, TimeSpan nextPoll, TimeSpan? timeout)
            {
                var status = string.Format(
                    CultureInfo.CurrentCulture,
                    Strings.WaitStatus,
                    state.Status,
                    state.CancellationRequested ? Strings.WaitCancellationRequested : string.Empty,
                    Math.Round(elapsed.TotalSeconds),
                    nextPoll.TotalSeconds.ToString("0.##", CultureInfo.CurrentCulture));
                var record = new ProgressRecord(_activityId, _activity, status);
                if (timeout is { } limit && limit > TimeSpan.Zero)
                {
                    record.PercentComplete = (int)Math.Min(99, elapsed.TotalMilliseconds * 100 / limit.TotalMilliseconds);
                    record.SecondsRemaining = (int)Math.Max(0, (limit - elapsed).TotalSeconds);
                }

                _queue.Post(cmdlet => cmdlet.WriteProgress(record));
            }
        }
    }
}
