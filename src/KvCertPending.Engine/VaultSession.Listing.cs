using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using KvCertPending.Model;

namespace KvCertPending.Engine
{
    /// <summary>The listings of <see cref="VaultSession"/>: certificate and issuer names, and the vault-wide scan of pending objects.</summary>
    internal sealed partial class VaultSession
    {
        /// <summary>How many pending objects the vault-wide scan reads at once.</summary>
        public const int ListingParallelism = 32;

        /// <summary>Names of every certificate in the vault, pending ones included (the includePending listing), in name order.</summary>
        public async Task<IReadOnlyList<string>> ListCertificateNamesAsync(CancellationToken cancellationToken)
        {
            var names = new List<string>();
            try
            {
                await foreach (var properties in _client.GetPropertiesOfCertificatesAsync(includePending: true, cancellationToken).ConfigureAwait(false))
                {
                    names.Add(properties.Name);
                }
            }
            catch (Exception ex) when (IsVaultError(ex))
            {
                throw ServiceErrors.Map(ex, VaultOperation.List, null, Endpoint);
            }

            return names.Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToList();
        }

        /// <summary>Names of the vault's issuer objects (for completion).</summary>
        public async Task<IReadOnlyList<string>> ListIssuerNamesAsync(CancellationToken cancellationToken)
        {
            var names = new List<string>();
            try
            {
                await foreach (var issuer in _client.GetPropertiesOfIssuersAsync(cancellationToken).ConfigureAwait(false))
                {
                    names.Add(issuer.Name);
                }
            }
            catch (Exception ex) when (IsVaultError(ex))
            {
                throw ServiceErrors.Map(ex, VaultOperation.List, null, Endpoint);
            }

            return names.OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToList();
        }

        /// <summary>
        /// The pending objects of the vault's certificates whose names pass <paramref name="select"/>, read while the
        /// listing is still being paged: the listing (one page after another, as the service hands out next links)
        /// feeds a queue of names, and <see cref="ListingParallelism"/> readers take names from it as they arrive.
        /// At most that many reads are in flight; what is held is the queue of names not yet read and the results.
        /// Results come back in name order. A name without a pending object is left out; any other failure of one
        /// read is kept in its place; a failure of the listing itself stops the readers and is thrown.
        /// </summary>
        public async Task<IReadOnlyList<(KvPendingCertificate? State, KvCertPendingException? Error)>> ScanPendingAsync(
            Func<string, bool>? select, string? requestId, Action<int>? listed, CancellationToken cancellationToken)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var available = new SemaphoreSlim(0);
            var queue = new ConcurrentQueue<string?>();
            var results = new ConcurrentBag<(string Name, KvPendingCertificate? State, KvCertPendingException? Error)>();
            var readers = Enumerable.Range(0, ListingParallelism)
                .Select(_ => Task.Run(() => ReadQueueAsync(queue, available, results, requestId, stop), CancellationToken.None))
                .ToList();

            var count = 0;
            Exception? listingError = null;
            try
            {
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                await foreach (var properties in _client.GetPropertiesOfCertificatesAsync(includePending: true, stop.Token).ConfigureAwait(false))
                {
                    if (seen.Add(properties.Name) && (select is null || select(properties.Name)))
                    {
                        count++;
                        queue.Enqueue(properties.Name);
                        available.Release();
                    }
                }
            }
            catch (Exception ex)
            {
                listingError = ex;
                stop.Cancel();
            }
            finally
            {
                // One end mark per reader: each stops when it takes one (after the names queued before it).
                for (var i = 0; i < readers.Count; i++)
                {
                    queue.Enqueue(null);
                }

                available.Release(readers.Count);
            }

            try
            {
                await Task.WhenAll(readers).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (listingError is not null)
            {
                // The readers stopped because the listing failed: that failure is the one to report.
            }

            // A reader that failed for a reason of its own (not the cancellation the others saw) is the error to report.
            if (readers.FirstOrDefault(r => r.IsFaulted && r.Exception?.InnerException is not OperationCanceledException) is { Exception.InnerException: { } readerError })
            {
                ExceptionDispatchInfo.Capture(readerError).Throw();
            }

            if (listingError is not null)
            {
                if (IsVaultError(listingError))
                {
                    throw ServiceErrors.Map(listingError, VaultOperation.List, null, Endpoint);
                }

                ExceptionDispatchInfo.Capture(listingError).Throw();
            }

            listed?.Invoke(count);
            return results
                .OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase)
                .Where(r => r.State is not null || r.Error is not null)
                .Select(r => (r.State, r.Error))
                .ToList();
        }

        private async Task ReadQueueAsync(
            ConcurrentQueue<string?> queue,
            SemaphoreSlim available,
            ConcurrentBag<(string Name, KvPendingCertificate? State, KvCertPendingException? Error)> results,
            string? requestId,
            CancellationTokenSource stop)
        {
            while (true)
            {
                await available.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                if (!queue.TryDequeue(out var name) || name is null)
                {
                    return;
                }

                try
                {
                    var (state, _) = await GetPendingAsync(name, requestId, stop.Token).ConfigureAwait(false);
                    results.Add((name, state, null));
                }
                catch (KvCertPendingException ex) when (ex.ErrorId == "PendingCertificateNotFound")
                {
                    // Not pending: left out.
                }
                catch (KvCertPendingException ex)
                {
                    results.Add((name, null, ex));
                }
                catch
                {
                    // Cancelled, or something unexpected: stop the listing and the other readers too.
                    stop.Cancel();
                    throw;
                }
            }
        }
    }
}
