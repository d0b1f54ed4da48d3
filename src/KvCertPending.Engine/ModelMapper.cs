using System;
using System.Collections;
using System.Security.Cryptography.X509Certificates;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.Model;

namespace KvCertPending.Engine
{
    /// <summary>SDK objects in, our own pipeline objects out: no SDK type ever reaches the pipeline.</summary>
    internal static class ModelMapper
    {
        public static KvPendingCertificate ToPending(VaultEndpoint endpoint, string name, CertificateOperationProperties p, DateTimeOffset observedAt) =>
            new(
                endpoint.VaultUri,
                endpoint.VaultName,
                string.IsNullOrEmpty(p.Name) ? name : p.Name,
                p.Id,
                string.IsNullOrEmpty(p.Status) ? KvPendingCertificate.InProgressStatus : p.Status,
                p.StatusDetails,
                p.CancellationRequested,
                p.IssuerName,
                p.RequestId,
                p.Csr is { Length: > 0 } ? (byte[])p.Csr.Clone() : null,
                string.IsNullOrEmpty(p.Target) ? null : new Uri(p.Target, UriKind.RelativeOrAbsolute),
                p.Error?.Code,
                p.Error?.Message,
                observedAt);

        public static KvCertificate ToCertificate(VaultEndpoint endpoint, KeyVaultCertificate c)
        {
            var tags = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (var tag in c.Properties.Tags)
            {
                tags[tag.Key] = tag.Value;
            }

            return new KvCertificate(
                endpoint.VaultUri,
                endpoint.VaultName,
                c.Name,
                c.Properties.Version,
                c.Id,
                c.KeyId,
                c.SecretId,
                c.Cer is { Length: > 0 } ? new X509Certificate2(c.Cer) : null,
                c.Properties.Enabled,
                c.Properties.CreatedOn,
                c.Properties.UpdatedOn,
                tags);
        }
    }
}
