using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Identity;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.Model;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Everything the cmdlets do to one vault, through the SDK's CertificateClient. Every call takes the cmdlet's
    /// cancellation token; every vault error leaves as a <see cref="KvCertPendingException"/>.
    /// </summary>
    /// <remarks>The listings (certificate and issuer names, the vault-wide scan) are in VaultSession.Listing.cs; create,
    /// merge and cancel, which a retry must never double or turn into an error, in VaultSession.Writes.cs.</remarks>
    internal sealed partial class VaultSession : IVaultSession
    {
        private readonly CertificateClient _client;
        private readonly RetrySettings _retry;

        public VaultSession(VaultEndpoint endpoint, CertificateClient client, RetrySettings retry)
        {
            Endpoint = endpoint;
            _client = client;
            _retry = retry;
        }

        public VaultEndpoint Endpoint { get; }

        public async Task<(KvPendingCertificate State, TimeSpan? RetryAfter)> GetPendingAsync(string name, string? requestId, CancellationToken cancellationToken)
        {
            var observer = new ResponseObserver();
            try
            {
                using (RequestScope.Begin(observer, requestId))
                {
                    var operation = await _client.GetCertificateOperationAsync(name, cancellationToken).ConfigureAwait(false);
                    var state = ModelMapper.ToPending(Endpoint, name, operation.Properties, DateTimeOffset.UtcNow);
                    if (requestId is not null && !string.Equals(state.RequestId, requestId, StringComparison.OrdinalIgnoreCase))
                    {
                        // The service filters by request_id; a vault that ignored the filter must not hand back another request.
                        throw new RequestFailedException(404, "Pending certificate with request id " + requestId + " not found.", "PendingCertificateNotFound", null);
                    }

                    return (state, observer.RetryAfter);
                }
            }
            catch (Exception ex) when (IsVaultError(ex))
            {
                throw ServiceErrors.Map(ex, VaultOperation.GetPending, name, Endpoint, requestId);
            }
        }

        public async Task<KvPendingCertificate> DeleteAsync(string name, CancellationToken cancellationToken)
        {
            try
            {
                var operation = new CertificateOperation(_client, name);
                await operation.DeleteAsync(cancellationToken).ConfigureAwait(false);
                return ModelMapper.ToPending(Endpoint, name, operation.Properties, DateTimeOffset.UtcNow);
            }
            catch (Exception ex) when (IsVaultError(ex))
            {
                throw ServiceErrors.Map(ex, VaultOperation.Delete, name, Endpoint);
            }
        }

        /// <summary>
        /// Polls the pending object until it is final, honouring Retry-After (clamped by <see cref="PollInterval"/>),
        /// until <paramref name="timeout"/> if given. Cancelling the token ends the wait at once.
        /// </summary>
        public async Task<WaitResult> WaitAsync(
            KvPendingCertificate initial, TimeSpan? retryAfter, TimeSpan? timeout, IWaitObserver observer, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var state = initial;
            while (!state.IsFinal)
            {
                var delay = PollInterval.From(retryAfter);
                if (timeout is { } limit)
                {
                    var left = limit - clock.Elapsed;
                    if (left <= TimeSpan.Zero)
                    {
                        return new WaitResult(state, timedOut: true);
                    }

                    if (delay > left)
                    {
                        delay = left;
                    }
                }

                observer.Polled(state, clock.Elapsed, delay, timeout);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                if (await PollWithinAsync(state, timeout - clock.Elapsed, cancellationToken).ConfigureAwait(false) is not { } polled)
                {
                    return new WaitResult(state, timedOut: true);
                }

                (state, retryAfter) = polled;
            }

            return new WaitResult(state, timedOut: false);
        }

        private static bool IsVaultError(Exception ex) => ServiceErrors.IsVaultError(ex);
    }
}
