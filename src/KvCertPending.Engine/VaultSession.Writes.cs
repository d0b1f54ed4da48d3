using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.Model;
using KvCertPending.Resources;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Create, merge and cancel: the requests that a blind retry would double (create, merge) or turn into an error for
    /// their own success (a merge resent after it completed meets 403; a cancellation resent after the issuer honoured
    /// it meets 403 too). The retry policy does not send them again when their answer may have been lost (a timeout,
    /// a dropped connection, a 500/502/504): the vault may have acted on them. Instead the engine asks the vault what it
    /// did and
    /// <list type="bullet">
    /// <item>reports the create as done when the certificate's newest version was made during this operation with the
    /// policy (and tags) that were sent, returning its pending object; the create's retry meeting 409 is checked the
    /// same way, so someone else's pending request (another policy, or made before) still fails as
    /// PendingCertificateInProgress;</item>
    /// <item>reports the merge as done when the certificate's newest version holds exactly the leaf that was sent;</item>
    /// <item>reports the cancellation as done when the pending object shows cancellation_requested;</item>
    /// <item>otherwise (nothing was done) sends the request again, within the same attempts and budget.</item>
    /// </list>
    /// When the vault cannot be asked, the error says so and what to run to find out.
    /// </summary>
    internal sealed partial class VaultSession
    {
        /// <summary>
        /// How much earlier than the start of this operation (in the vault's own clock, from its Date header) a version
        /// may be dated and still be ours: the vault writes whole seconds and its Date header too.
        /// </summary>
        private static readonly TimeSpan ClockResolution = TimeSpan.FromSeconds(2);

        public async Task<(KvPendingCertificate State, TimeSpan? RetryAfter)> CreateAsync(
            string name, IPolicyRequest policy, bool? enabled, IDictionary<string, string>? tags, bool? preserveCertificateOrder, CancellationToken cancellationToken)
        {
            var sent = ((PolicyRequest)policy).Policy;
            var budget = new RetryBudget(_retry);
            var observer = new ResponseObserver();
            using (RequestScope.Begin(observer, budget: budget))
            {
                return await SendNeverTwiceAsync(
                    VaultOperation.Create, name, budget, Strings.CreateOutcomeUnknownAction,
                    async () =>
                    {
                        var operation = await _client.StartCreateCertificateAsync(name, sent, enabled, tags, preserveCertificateOrder, cancellationToken).ConfigureAwait(false);
                        return (ModelMapper.ToPending(Endpoint, name, operation.Properties, DateTimeOffset.UtcNow), observer.RetryAfter);
                    },
                    status => status == 409,
                    () => FindOwnCreateAsync(name, sent, tags, budget, observer, cancellationToken),
                    cancellationToken).ConfigureAwait(false);
            }
        }

        public async Task<KvCertificate> MergeAsync(
            string name, IReadOnlyList<X509Certificate2> chain, bool? enabled, IDictionary<string, string>? tags, CancellationToken cancellationToken)
        {
            ChainLimits.Check(name, chain);
            var options = new MergeCertificateOptions(name, chain.Select(c => c.RawData)) { Enabled = enabled };
            if (tags is not null)
            {
                foreach (var tag in tags)
                {
                    options.Tags[tag.Key] = tag.Value;
                }
            }

            var leaf = chain[0].RawData;
            var budget = new RetryBudget(_retry);
            using (RequestScope.Begin(null, budget: budget))
            {
                return await SendNeverTwiceAsync(
                    VaultOperation.Merge, name, budget, Strings.MergeOutcomeUnknownAction,
                    async () => ModelMapper.ToCertificate(Endpoint, (await _client.MergeCertificateAsync(options, cancellationToken).ConfigureAwait(false)).Value),
                    status => status is 403 or 404 or 409,
                    () => FindOwnMergeAsync(name, leaf, cancellationToken),
                    cancellationToken).ConfigureAwait(false);
            }
        }

        public async Task<KvPendingCertificate> CancelAsync(string name, CancellationToken cancellationToken)
        {
            var budget = new RetryBudget(_retry);
            using (RequestScope.Begin(null, budget: budget))
            {
                return await SendNeverTwiceAsync(
                    VaultOperation.Cancel, name, budget, Strings.CancelOutcomeUnknownAction,
                    async () =>
                    {
                        var operation = new CertificateOperation(_client, name);
                        await operation.CancelAsync(cancellationToken).ConfigureAwait(false);
                        return ModelMapper.ToPending(Endpoint, name, operation.Properties, DateTimeOffset.UtcNow);
                    },
                    status => status is 400 or 403 or 409,
                    () => FindOwnCancelAsync(name, cancellationToken),
                    cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Sends a request that must not be doubled. When its answer is lost, asks the vault (<paramref name="findOwn"/>)
        /// whether it was done: done, that is the answer; not done, it is sent again (within the attempts and budget).
        /// After a lost answer, a refusal that a done request would also meet (<paramref name="refusalAfterDone"/>: 409 for
        /// a create, 403/404/409 for a merge) is checked the same way before it is reported.
        /// </summary>
        private async Task<T> SendNeverTwiceAsync<T>(
            VaultOperation operation, string name, RetryBudget budget, string outcomeUnknownAction,
            Func<Task<T>> send, Func<int, bool> refusalAfterDone, Func<Task<(bool Found, T Value)>> findOwn, CancellationToken cancellationToken)
        {
            var lostBefore = false;
            while (true)
            {
                Exception failure;
                try
                {
                    return await send().ConfigureAwait(false);
                }
                catch (Exception ex) when (IsVaultError(ex))
                {
                    failure = ex;
                }

                var lostNow = IsLostAnswer(failure);
                if (!lostNow && !(lostBefore && refusalAfterDone(StatusOf(failure))))
                {
                    throw ServiceErrors.Map(failure, operation, name, Endpoint);
                }

                lostBefore = true;
                (bool Found, T Value) own;
                try
                {
                    own = await findOwn().ConfigureAwait(false);
                }
                catch (Exception ex) when (IsVaultError(ex))
                {
                    throw Unknown(failure, operation, name, outcomeUnknownAction, budget);
                }

                if (own.Found)
                {
                    return own.Value;
                }

                if (!lostNow)
                {
                    // Refused, and the vault shows no trace of ours: someone else's request, as without the lost answer.
                    throw ServiceErrors.Map(failure, operation, name, Endpoint);
                }

                if (!budget.CanResend(out var delay))
                {
                    throw Unknown(failure, operation, name, outcomeUnknownAction, budget);
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// The pending object of a create whose answer was lost, when the vault shows the create was done by this
        /// operation: the newest version dates from after the operation started (in the vault's clock) and carries the
        /// policy and tags that were sent. Null when the name has no certificate or another one.
        /// </summary>
        private async Task<(bool Found, (KvPendingCertificate State, TimeSpan? RetryAfter) Value)> FindOwnCreateAsync(
            string name, CertificatePolicy sent, IDictionary<string, string>? tags, RetryBudget budget, ResponseObserver observer, CancellationToken cancellationToken)
        {
            Response<KeyVaultCertificateWithPolicy> response;
            try
            {
                response = await _client.GetCertificateAsync(name, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return default;
            }

            var certificate = response.Value;
            var vaultNow = response.GetRawResponse().Headers.Date ?? DateTimeOffset.UtcNow;
            var operationStart = vaultNow - budget.Elapsed - ClockResolution;
            if (certificate.Properties.CreatedOn is not { } created || created < operationStart
                || !PolicyMatch.Same(sent, certificate.Policy) || !PolicyMatch.TagsKept(tags, certificate.Properties.Tags))
            {
                return default;
            }

            try
            {
                var operation = await _client.GetCertificateOperationAsync(name, cancellationToken).ConfigureAwait(false);
                return (true, (ModelMapper.ToPending(Endpoint, name, operation.Properties, DateTimeOffset.UtcNow), observer.RetryAfter));
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return default;
            }
        }

        /// <summary>The certificate, when its newest version holds exactly <paramref name="leaf"/> (a merge whose answer was lost).</summary>
        private async Task<(bool Found, KvCertificate Value)> FindOwnMergeAsync(string name, byte[] leaf, CancellationToken cancellationToken)
        {
            try
            {
                var certificate = (await _client.GetCertificateAsync(name, cancellationToken).ConfigureAwait(false)).Value;
                return certificate.Cer is { Length: > 0 } cer && cer.AsSpan().SequenceEqual(leaf) ? (true, ModelMapper.ToCertificate(Endpoint, certificate)) : default;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return default;
            }
        }

        /// <summary>The pending object, when it shows the cancellation was asked for (a cancellation whose answer was lost).</summary>
        private async Task<(bool Found, KvPendingCertificate Value)> FindOwnCancelAsync(string name, CancellationToken cancellationToken)
        {
            try
            {
                var properties = (await _client.GetCertificateOperationAsync(name, cancellationToken).ConfigureAwait(false)).Properties;
                return properties.CancellationRequested ? (true, ModelMapper.ToPending(Endpoint, name, properties, DateTimeOffset.UtcNow)) : default;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return default;
            }
        }

        /// <summary>
        /// One poll of -Wait that never outlives the wait's -Timeout (<paramref name="left"/>; null: no limit): a hung
        /// vault would otherwise hold the poll for its own operation budget. Null when the time ran out first.
        /// </summary>
        private async Task<(KvPendingCertificate State, TimeSpan? RetryAfter)?> PollWithinAsync(KvPendingCertificate state, TimeSpan? left, CancellationToken cancellationToken)
        {
            if (left is not { } limit)
            {
                return await GetPendingAsync(state.Name, state.RequestId, cancellationToken).ConfigureAwait(false);
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(limit > TimeSpan.Zero ? limit : TimeSpan.FromMilliseconds(1));
            try
            {
                return await GetPendingAsync(state.Name, state.RequestId, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
            {
                return null;
            }
        }

        /// <summary>True when the request may have reached the vault but its answer did not come back.</summary>
        private static bool IsLostAnswer(Exception failure) =>
            Innermost(failure) is var last && RetryBudget.Recall(last) is { Last: { Transient: true, CertainlyNotHandled: false } };

        private static int StatusOf(Exception failure) => Innermost(failure) is RequestFailedException failed ? failed.Status : 0;

        private static Exception Innermost(Exception failure) =>
            failure is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[aggregate.InnerExceptions.Count - 1] : failure;

        /// <summary>The failure as it stands now (tries and time so far), with what to run when the outcome is not known.</summary>
        private KvCertPendingException Unknown(Exception failure, VaultOperation operation, string name, string action, RetryBudget budget)
        {
            budget.Restate(failure);
            return ServiceErrors.Map(failure, operation, name, Endpoint)
                .WithRecommendedAction(string.Format(System.Globalization.CultureInfo.CurrentCulture, action, name));
        }
    }
}
