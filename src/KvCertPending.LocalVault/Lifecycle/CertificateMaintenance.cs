using System.Text.Json;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Model;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Lifecycle;

/// <summary>Changes to an existing certificate: attributes and tags, policy, soft delete, recover, purge.</summary>
internal sealed class CertificateMaintenance
{
    private readonly VaultCore _core;

    public CertificateMaintenance(VaultCore core) => _core = core;

    /// <summary>The live certificate and the given (or latest) version; 404 when either is missing or deleted.</summary>
    public static (CertificateRecord Certificate, VersionRecord Version) Find(VaultTransaction tx, string name, string? version)
    {
        var certificate = tx.GetCertificate(name);
        if (certificate is null || certificate.DeletedOn is not null)
        {
            throw VaultErrors.CertificateNotFound(name, NullIfEmpty(version));
        }

        var record = string.IsNullOrEmpty(version)
            ? tx.GetLatestVersion(name)
            : Names.IsVersionShaped(version) ? tx.GetVersion(name, version) : null;
        return (certificate, record ?? throw VaultErrors.CertificateNotFound(name, NullIfEmpty(version)));
    }

    public async Task<(CertificateRecord Certificate, VersionRecord Version)> UpdateAsync(string name, string? version, UpdateCertificateBody body)
    {
        var policyInput = body.Policy;
        using var held = await _core.Locks.TryEnterAsync(name).ConfigureAwait(false) ?? throw VaultErrors.ConcurrentCertificateChange(name);
        return _core.Database.Write(tx =>
        {
            var (certificate, record) = Find(tx, name, version);
            var now = _core.NowSeconds;
            if (body.Attributes?.Enabled is { } enabled)
            {
                record.Enabled = enabled;
            }

            if (body.Tags is not null)
            {
                record.Tags = body.Tags;
            }

            record.Updated = now;
            tx.PutVersion(record);
            if (policyInput is not null)
            {
                certificate.Policy = PolicyRules.Complete(policyInput, now, certificate.Policy);
                tx.PutCertificate(certificate);
            }

            return (certificate, record);
        });
    }

    /// <summary>PATCH policy: the given fields are merged into the current policy, then validated as a whole.</summary>
    public async Task<CertificateRecord> UpdatePolicyAsync(string name, JsonObject patch)
    {
        using var held = await _core.Locks.TryEnterAsync(name).ConfigureAwait(false) ?? throw VaultErrors.ConcurrentCertificateChange(name);
        return _core.Database.Write(tx =>
        {
            var (certificate, _) = Find(tx, name, null);
            var merged = JsonSerializer.SerializeToNode(certificate.Policy, VaultJson.Options)!.AsObject();
            Merge(merged, patch);
            PolicyModel input;
            try
            {
                input = merged.Deserialize<PolicyModel>(VaultJson.Options)!;
            }
            catch (JsonException)
            {
                throw VaultErrors.BadParameter("The policy in the request body has a value of the wrong type.");
            }

            certificate.Policy = PolicyRules.Complete(input, _core.NowSeconds, certificate.Policy);
            tx.PutCertificate(certificate);
            return certificate;
        });
    }

    /// <summary>
    /// Soft delete: the certificate with all its versions moves to the deleted state; the pending object goes. In a
    /// vault without soft delete the certificate is purged at once (the answer shows it as it was, not deleted).
    /// </summary>
    public async Task<(CertificateRecord Certificate, VersionRecord Version)> DeleteAsync(string name)
    {
        using var held = await _core.Locks.TryEnterAsync(name).ConfigureAwait(false) ?? throw VaultErrors.ConcurrentCertificateChange(name);
        return _core.Database.Write(tx =>
        {
            var (certificate, latest) = Find(tx, name, null);
            if (_core.SoftDelete.RetentionDays is not { } days)
            {
                tx.PurgeCertificate(name);
                return (certificate, latest);
            }

            var now = _core.Now;
            certificate.DeletedOn = now.ToUnixTimeSeconds();
            certificate.ScheduledPurgeOn = now.AddDays(days).ToUnixTimeSeconds();
            tx.PutCertificate(certificate);
            tx.DeletePending(name);
            return (certificate, latest);
        });
    }

    public (CertificateRecord Certificate, VersionRecord Version) GetDeleted(string name) =>
        _core.Database.Read(tx => FindDeleted(tx, name));

    public async Task<(CertificateRecord Certificate, VersionRecord Version)> RecoverAsync(string name)
    {
        using var held = await _core.Locks.TryEnterAsync(name).ConfigureAwait(false) ?? throw VaultErrors.ConcurrentCertificateChange(name);
        return _core.Database.Write(tx =>
        {
            var (certificate, latest) = FindDeleted(tx, name);
            certificate.DeletedOn = null;
            certificate.ScheduledPurgeOn = null;
            tx.PutCertificate(certificate);
            return (certificate, latest);
        });
    }

    public async Task PurgeAsync(string name)
    {
        using var held = await _core.Locks.TryEnterAsync(name).ConfigureAwait(false) ?? throw VaultErrors.ConcurrentCertificateChange(name);
        _core.Database.Write(tx =>
        {
            FindDeleted(tx, name);
            tx.PurgeCertificate(name);
            return 0;
        });
    }

    private static (CertificateRecord Certificate, VersionRecord Version) FindDeleted(VaultTransaction tx, string name)
    {
        var certificate = tx.GetCertificate(name);
        var latest = certificate?.DeletedOn is null ? null : tx.GetLatestVersion(name);
        return latest is null ? throw VaultErrors.DeletedCertificateNotFound(name) : (certificate!, latest);
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is JsonObject child && target[key] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
