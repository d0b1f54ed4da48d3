using KvCertPending.LocalVault.Crypto;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Model;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Lifecycle;

/// <summary>POST /certificates/{name}/create: a new version, its key and CSR, and the pending object.</summary>
internal sealed class CertificateCreation
{
    private readonly VaultCore _core;
    private readonly Simulations _simulations;

    public CertificateCreation(VaultCore core, Simulations simulations)
    {
        _core = core;
        _simulations = simulations;
    }

    public async Task<PendingRecord> CreateAsync(string name, CreateCertificateBody body, CancellationToken cancellationToken)
    {
        var (existing, inProgress) = _core.Database.Read(tx => (tx.GetCertificate(name), tx.GetPending(name) is { IsInProgress: true }));
        ThrowIfDeleted(existing, name);
        if (inProgress)
        {
            // Checked again under the lock; refusing here spares generating a key for nothing.
            throw VaultErrors.PendingInProgress(name);
        }

        var input = body.Policy ?? existing?.Policy ?? throw VaultErrors.BadParameter("Property policy is required.");
        var now = _core.Now;
        var policy = PolicyRules.Complete(input, now.ToUnixTimeSeconds(), existing?.Policy);
        var issuerName = policy.Issuer!.Name!;
        var (provider, simulation) = ResolveIssuer(issuerName);

        var latest = existing is null || policy.KeyProps!.ReuseKey != true ? null : _core.Database.Read(tx => tx.GetLatestVersion(name));
        using var key = latest is not null && latest.KeyType == PolicyRules.KeySpecOf(policy).Family
            ? KeyMaterial.Import(latest.KeyType, latest.PrivateKey)
            : await _core.Keys.CreateAsync(PolicyRules.KeySpecOf(policy), cancellationToken).ConfigureAwait(false);
        var csr = CertificateFactory.CreateCsr(policy, key);

        using var held = await _core.Locks.TryEnterAsync(name).ConfigureAwait(false) ?? throw VaultErrors.ConcurrentCertificateChange(name);
        var pending = _core.Database.Write(tx =>
        {
            var certificate = tx.GetCertificate(name);
            ThrowIfDeleted(certificate, name);
            if (tx.GetPending(name) is { IsInProgress: true })
            {
                throw VaultErrors.PendingInProgress(name);
            }

            certificate ??= new CertificateRecord { Name = name };
            certificate.Policy = policy;
            tx.PutCertificate(certificate);
            var version = NewVersion(certificate.Name, policy, key, now.ToUnixTimeSeconds(), body.Tags);
            tx.PutVersion(version);
            var record = new PendingRecord
            {
                Name = certificate.Name,
                RequestId = Guid.NewGuid().ToString("N"),
                Version = version.Version,
                IssuerName = issuerName,
                Csr = Convert.ToBase64String(csr),
                Provider = provider,
                DueAtMs = simulation is null ? null : _core.Now.Add(simulation.Delay).ToUnixTimeMilliseconds(),
                Outcome = simulation?.Outcome ?? IssuerOutcome.Issue,
                HonourCancellation = simulation?.HonourCancellation ?? false,
                ValidityMonths = policy.X509Props!.ValidityMonths ?? 12,
                PreserveCertOrder = body.PreserveCertOrder ?? false,
                EnableOnCompletion = body.Attributes?.Enabled ?? true,
            };
            tx.PutPending(record);
            return record;
        });
        _core.WakeWorker();
        return pending;
    }

    public static void ThrowIfDeleted(CertificateRecord? certificate, string name)
    {
        if (certificate?.DeletedOn is not null)
        {
            throw VaultErrors.DeletedButRecoverable(name);
        }
    }

    /// <summary>A new, not yet issued version: disabled, with the planned validity window, as the service shows it.</summary>
    public static VersionRecord NewVersion(string name, PolicyModel policy, System.Security.Cryptography.AsymmetricAlgorithm key, long now, Dictionary<string, string>? tags) => new()
    {
        Name = name,
        Version = Names.NewVersion(),
        Enabled = false,
        Created = now,
        Updated = now,
        NotBefore = CertificateFactory.Validity(policy, DateTimeOffset.FromUnixTimeSeconds(now)).NotBefore.ToUnixTimeSeconds(),
        Expires = CertificateFactory.Validity(policy, DateTimeOffset.FromUnixTimeSeconds(now)).NotAfter.ToUnixTimeSeconds(),
        KeyType = KeyMaterial.FamilyOf(key),
        PrivateKey = KeyMaterial.Export(key),
        Exportable = policy.KeyProps?.Exportable ?? true,
        ContentType = policy.SecretProps?.ContentType ?? PolicyRules.Pkcs12,
        Tags = tags,
    };

    /// <summary>Self is signed after its delay (cancellable); Unknown never (manual merge); a named issuer must exist and uses its simulation.</summary>
    private (string? Provider, IssuerSimulation? Simulation) ResolveIssuer(string issuerName)
    {
        if (PolicyRules.IsSelf(issuerName))
        {
            return (null, _simulations.Get(PolicyRules.SelfIssuer));
        }

        if (PolicyRules.IsUnknown(issuerName))
        {
            return (null, null);
        }

        var issuer = _core.Database.Read(tx => tx.GetIssuer(issuerName)) ?? throw VaultErrors.IssuerNotFound(issuerName);
        return (issuer.Provider, _simulations.Get(issuerName));
    }
}
