using System.Buffers.Text;
using System.Text.Json;
using KvCertPending.LocalVault.Crypto;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Lifecycle;

/// <summary>
/// POST /certificates/{name}/backup and POST /certificates/restore: a certificate in its entirety (every version
/// with its key and so its secret, the policy, attributes and tags, and the pending object while there is one),
/// sealed by <see cref="BackupProtector"/>, and restored under the same name with the same version ids.
/// </summary>
internal sealed class CertificateBackup
{
    private readonly VaultCore _core;
    private readonly BackupProtector _protector;

    public CertificateBackup(VaultCore core, BackupProtector protector)
    {
        _core = core;
        _protector = protector;
    }

    /// <summary>The sealed blob, base64url as the service writes it; 404 when the name is missing or soft-deleted.</summary>
    public string Backup(string name)
    {
        var content = _core.Database.Read(tx =>
        {
            var (certificate, _) = CertificateMaintenance.Find(tx, name, null);
            return new BackupContent
            {
                Certificate = certificate,
                Versions = tx.ListVersions(certificate.Name).ToList(),
                Pending = tx.GetPending(certificate.Name),
            };
        });
        return Base64Url.EncodeToString(_protector.Seal(JsonSerializer.SerializeToUtf8Bytes(content, VaultJson.Options)));
    }

    /// <summary>
    /// Restores a blob in one transaction: all of it or nothing. 400 when the blob is not one of this vault's key
    /// (another vault's, altered, not a backup); 409 when the name is taken, live or soft-deleted, or busy.
    /// </summary>
    public async Task<(CertificateRecord Certificate, VersionRecord Latest)> RestoreAsync(string? value, VaultUrls urls)
    {
        var content = Read(value);
        var certificate = content.Certificate!;
        var name = certificate.Name;
        var latest = content.Versions![^1];
        var conflict = VaultErrors.RestoreConflict(urls.CertificateVersion(name, latest.Version));
        using var held = await _core.Locks.TryEnterAsync(name).ConfigureAwait(false) ?? throw conflict;
        _core.Database.Write(tx =>
        {
            var existing = tx.GetCertificate(name);
            if (existing is not null)
            {
                throw existing.DeletedOn is null ? conflict : VaultErrors.DeletedButRecoverable(existing.Name);
            }

            certificate.DeletedOn = null;
            certificate.ScheduledPurgeOn = null;
            tx.PutCertificate(certificate);
            foreach (var version in content.Versions)
            {
                tx.PutVersion(version);
            }

            if (content.Pending is { } pending)
            {
                tx.PutPending(pending);
            }

            return 0;
        });

        if (content.Pending is { IsInProgress: true })
        {
            _core.WakeWorker();
        }

        return (certificate, latest);
    }

    private BackupContent Read(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw VaultErrors.BadParameter("Property value (the backup blob) is required.");
        }

        if (!Base64Url.IsValid(value) || _protector.Open(Base64Url.DecodeFromChars(value)) is not { } plaintext)
        {
            throw VaultErrors.MalformedBackup();
        }

        BackupContent? content;
        try
        {
            content = JsonSerializer.Deserialize<BackupContent>(plaintext, VaultJson.Options);
        }
        catch (JsonException)
        {
            throw VaultErrors.MalformedBackup();
        }

        var name = content?.Certificate?.Name;
        if (content?.Versions is not { Count: > 0 } versions || !Names.IsValid(name)
            || versions.Any(v => !string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase))
            || (content.Pending is { } pending && !string.Equals(pending.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            throw VaultErrors.MalformedBackup();
        }

        return content;
    }

    /// <summary>What a blob holds (sealed, never stored or written in clear).</summary>
    private sealed class BackupContent
    {
        public CertificateRecord? Certificate { get; set; }

        public List<VersionRecord>? Versions { get; set; }

        public PendingRecord? Pending { get; set; }
    }
}
