using System.Security.Cryptography;
using KvCertPending.LocalVault.Crypto;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Model;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Lifecycle;

/// <summary>POST /certificates/{name}/import: a completed version from a PFX or PEM; obeys the pending-conflict rule.</summary>
internal sealed class CertificateImport
{
    private readonly VaultCore _core;

    public CertificateImport(VaultCore core) => _core = core;

    public async Task<(CertificateRecord Certificate, VersionRecord Version)> ImportAsync(string name, ImportCertificateBody body)
    {
        var pem = body.Policy?.SecretProps?.ContentType == PolicyRules.Pem;
        using var content = ImportReader.Read(body.Value, body.Password, pem);
        var now = _core.NowSeconds;
        var policy = PolicyRules.Complete(PolicyFor(body.Policy, content, pem), now);
        var chain = ChainParser.Order(content.Certificates, content.Leaf, body.PreserveCertOrder ?? false);

        using var held = await _core.Locks.TryEnterAsync(name).ConfigureAwait(false) ?? throw VaultErrors.ConcurrentCertificateChange(name);
        return _core.Database.Write(tx =>
        {
            var certificate = tx.GetCertificate(name);
            CertificateCreation.ThrowIfDeleted(certificate, name);
            if (tx.GetPending(name) is { } pending)
            {
                if (pending.IsInProgress)
                {
                    throw VaultErrors.PendingInProgress(name);
                }

                tx.DeletePending(name);
            }

            certificate ??= new CertificateRecord { Name = name };
            policy.Attributes!.Created = certificate.Policy.Attributes?.Created ?? now;
            certificate.Policy = policy;
            tx.PutCertificate(certificate);
            var version = CertificateCreation.NewVersion(certificate.Name, policy, content.Key, now, body.Tags);
            version.Chain = chain.Select(Convert.ToBase64String).ToList();
            version.NotBefore = new DateTimeOffset(content.Leaf.NotBefore.ToUniversalTime()).ToUnixTimeSeconds();
            version.Expires = new DateTimeOffset(content.Leaf.NotAfter.ToUniversalTime()).ToUnixTimeSeconds();
            version.Enabled = body.Attributes?.Enabled ?? true;
            tx.PutVersion(version);
            return (certificate, version);
        });
    }

    /// <summary>The given policy, with what it leaves out taken from the imported certificate and key.</summary>
    private static PolicyModel PolicyFor(PolicyModel? given, ImportReader content, bool pem)
    {
        var policy = given ?? new PolicyModel();
        var key = content.Key;
        policy.KeyProps ??= new KeyProperties();
        policy.KeyProps.KeyType = key is ECDsa ? "EC" : "RSA";
        policy.KeyProps.KeySize = key is RSA ? key.KeySize : null;
        policy.KeyProps.Curve = key is ECDsa ec ? CurveName(ec) : null;
        policy.SecretProps ??= new SecretProperties { ContentType = pem ? PolicyRules.Pem : PolicyRules.Pkcs12 };
        policy.X509Props ??= new X509Properties();
        policy.X509Props.Subject ??= content.Leaf.SubjectName.Name;
        if (string.IsNullOrWhiteSpace(policy.X509Props.Subject) && !PolicyRules.HasSans(policy.X509Props.Sans))
        {
            policy.X509Props.Subject = "CN=" + content.Leaf.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false);
        }

        policy.Issuer ??= new IssuerParameters { Name = PolicyRules.UnknownIssuer };
        return policy;
    }

    private static string CurveName(ECDsa key) => key.KeySize switch
    {
        384 => "P-384",
        521 => "P-521",
        _ => key.ExportParameters(false).Curve.Oid.Value == "1.3.132.0.10" ? "P-256K" : "P-256",
    };
}
