using System.Collections.Concurrent;
using KvCertPending.LocalVault.Crypto;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Model;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Lifecycle;

/// <summary>GET, PATCH (cancellation), DELETE and merge on <c>/certificates/{name}/pending</c>.</summary>
internal sealed class PendingOperations
{
    public const string KeyMismatch = "The public key of the end-entity certificate in the specified X.509 certificate content does not match the public part of the specified private key";
    private static readonly TimeSpan CancellationLatency = TimeSpan.FromMilliseconds(200);
    /// <summary>Bodies cached at most (a vault with more pending objects than this starts the cache afresh).</summary>
    private const int MaxRendered = 4096;
    private readonly VaultCore _core;
    private readonly ConcurrentDictionary<string, RenderedPending> _rendered = new(StringComparer.OrdinalIgnoreCase);

    public PendingOperations(VaultCore core) => _core = core;

    public PendingRecord Get(string name, string? requestId) => GetRendered(name, requestId, null).Pending;

    /// <summary>
    /// GET pending: the record and, when <paramref name="urls"/> is given, its JSON body as UTF-8. The body is a
    /// function of the stored document and the vault's base URL only, so it is cached per name and served again
    /// while the stored document is unchanged (the one read per request still sees every change at once).
    /// </summary>
    public (PendingRecord Pending, byte[]? Body) GetRendered(string name, string? requestId, VaultUrls? urls)
    {
        _rendered.TryGetValue(name, out var cached);
        var doc = _core.Database.ReadDocument(DocumentQuery.Pending(name), cached?.Doc) ?? throw VaultErrors.PendingNotFound(name);
        RenderedPending? rendered = null;
        if (cached is not null && ReferenceEquals(cached.Doc, doc)
            && (urls is null || string.Equals(cached.Base, urls.Base, StringComparison.Ordinal)))
        {
            rendered = cached;
        }
        else
        {
            var record = VaultTransaction.Deserialize<PendingRecord>(doc);
            rendered = new RenderedPending(doc, urls?.Base, record, urls is null ? null : VaultJson.Utf8(PendingView.Render(record, urls)));
            if (urls is not null)
            {
                if (_rendered.Count >= MaxRendered)
                {
                    _rendered.Clear();
                }

                _rendered[name] = rendered;
            }
        }

        if (!string.IsNullOrEmpty(requestId) && !string.Equals(requestId, rendered.Pending.RequestId, StringComparison.OrdinalIgnoreCase))
        {
            throw VaultErrors.PendingNotFound(name);
        }

        return (rendered.Pending, rendered.Body);
    }

    public async Task<PendingRecord> UpdateAsync(string name, UpdatePendingBody body)
    {
        if (body.CancellationRequested is not { } cancel)
        {
            throw VaultErrors.BadParameter("Property cancellation_requested is required.");
        }

        using var held = await _core.Locks.TryEnterAsync(name).ConfigureAwait(false) ?? throw VaultErrors.ConcurrentUpdate(name, "updating");
        var updated = _core.Database.Write(tx =>
        {
            var pending = tx.GetPending(name) ?? throw VaultErrors.PendingNotFound(name);
            if (!pending.IsInProgress)
            {
                throw VaultErrors.Forbidden("Pending status must be in progress to allow update.");
            }

            if (cancel && !pending.CancellationRequested)
            {
                pending.CancellationRequested = true;
                if (pending is { HonourCancellation: true, DueAtMs: { } due })
                {
                    // An issuer that honours cancellation answers soon after it is asked, not at its issuance time.
                    pending.DueAtMs = Math.Min(due, _core.Now.Add(CancellationLatency).ToUnixTimeMilliseconds());
                }

                tx.PutPending(pending);
            }

            return pending;
        });
        _core.WakeWorker();
        return updated;
    }

    public async Task<PendingRecord> DeleteAsync(string name)
    {
        using var held = await _core.Locks.TryEnterAsync(name).ConfigureAwait(false) ?? throw VaultErrors.ConcurrentUpdate(name, "deleting");
        return _core.Database.Write(tx =>
        {
            var pending = tx.GetPending(name) ?? throw VaultErrors.PendingNotFound(name);
            tx.DeletePending(name);
            return pending;
        });
    }

    /// <summary>Completes the pending request with a certificate chain obtained elsewhere. Returns the completed version.</summary>
    public async Task<(CertificateRecord Certificate, VersionRecord Version)> MergeAsync(string name, MergeCertificateBody body)
    {
        var chain = ChainParser.Parse(body.X5c);
        try
        {
            using var held = await _core.Locks.TryEnterAsync(name).ConfigureAwait(false) ?? throw VaultErrors.ConcurrentUpdate(name, "merging");
            return _core.Database.Write(tx =>
            {
                var pending = tx.GetPending(name) ?? throw VaultErrors.PendingNotFound(name);
                if (pending.IsInProgress && !PolicyRules.IsUnknown(pending.IssuerName))
                {
                    throw VaultErrors.Forbidden($"Merge is forbidden on pending object created with issuer : {pending.IssuerName} while it is in progress");
                }

                if (pending.Status == PendingStatus.Completed)
                {
                    throw VaultErrors.Forbidden("Merge is forbidden on a pending object that has already completed.");
                }

                var version = tx.GetVersion(pending.Name, pending.Version) ?? throw VaultErrors.PendingNotFound(name);
                using var key = KeyMaterial.Import(version.KeyType, version.PrivateKey);
                var leaf = chain.FirstOrDefault(c => KeyMaterial.Matches(c, key)) ?? throw VaultErrors.BadParameter(KeyMismatch);
                if (body.Attributes?.Enabled is { } enabled)
                {
                    pending.EnableOnCompletion = enabled;
                }

                var completed = Issuance.Complete(tx, pending, ChainParser.Order(chain, leaf, pending.PreserveCertOrder), _core.NowSeconds);
                if (body.Tags is not null)
                {
                    completed.Tags = body.Tags;
                    tx.PutVersion(completed);
                }

                return (tx.GetCertificate(name)!, completed);
            });
        }
        finally
        {
            chain.ForEach(c => c.Dispose());
        }
    }

    /// <summary>A stored pending document (UTF-8), the record read from it, and its body for one base URL (shared: read only).</summary>
    private sealed record RenderedPending(byte[] Doc, string? Base, PendingRecord Pending, byte[]? Body);
}
