using System;
using System.Collections;
using System.Security.Cryptography.X509Certificates;

namespace KvCertPending.Model
{
    /// <summary>A completed Key Vault certificate, as Merge-KvCertificate leaves it.</summary>
    public sealed class KvCertificate
    {
        internal KvCertificate(
            Uri vaultUri,
            string vaultName,
            string name,
            string? version,
            Uri? id,
            Uri? keyId,
            Uri? secretId,
            X509Certificate2? certificate,
            bool? enabled,
            DateTimeOffset? created,
            DateTimeOffset? updated,
            Hashtable tags)
        {
            VaultUri = vaultUri;
            VaultName = vaultName;
            Name = name;
            Version = version;
            Id = id;
            KeyId = keyId;
            SecretId = secretId;
            Certificate = certificate;
            Enabled = enabled;
            Created = created;
            Updated = updated;
            Tags = tags;
        }

        /// <summary>The vault's short name (the first label of its host).</summary>
        public string VaultName { get; }

        /// <summary>The vault's URI.</summary>
        public Uri VaultUri { get; }

        /// <summary>The certificate name.</summary>
        public string Name { get; }

        /// <summary>The certificate version (32 hex characters).</summary>
        public string? Version { get; }

        /// <summary>The certificate's URL with its version.</summary>
        public Uri? Id { get; }

        /// <summary>The URL of the key behind the certificate.</summary>
        public Uri? KeyId { get; }

        /// <summary>The URL of the secret behind the certificate (the PFX or PEM with the private key).</summary>
        public Uri? SecretId { get; }

        /// <summary>The public certificate (no private key).</summary>
        public X509Certificate2? Certificate { get; }

        /// <summary>The certificate subject.</summary>
        public string? Subject => Certificate?.Subject;

        /// <summary>The certificate issuer.</summary>
        public string? Issuer => Certificate?.Issuer;

        /// <summary>The SHA-1 thumbprint (hex).</summary>
        public string? Thumbprint => Certificate?.Thumbprint;

        /// <summary>Start of validity (UTC).</summary>
        public DateTime? NotBefore => Certificate?.NotBefore.ToUniversalTime();

        /// <summary>End of validity (UTC).</summary>
        public DateTime? NotAfter => Certificate?.NotAfter.ToUniversalTime();

        /// <summary>Whether the certificate is enabled.</summary>
        public bool? Enabled { get; }

        /// <summary>When this version was created.</summary>
        public DateTimeOffset? Created { get; }

        /// <summary>When this version was last updated.</summary>
        public DateTimeOffset? Updated { get; }

        /// <summary>Tags on the certificate.</summary>
        public Hashtable Tags { get; }

        /// <inheritdoc />
        public override string ToString() => Name + "/" + Version;
    }
}
