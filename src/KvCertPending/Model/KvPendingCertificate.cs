using System;
using System.Text;

namespace KvCertPending.Model
{
    /// <summary>
    /// A pending certificate request (Key Vault's "certificate operation") as observed at <see cref="ObservedAt"/>.
    /// Every cmdlet that touches a pending request emits the state it leaves behind, so a pipeline reads as the
    /// request's lifecycle. VaultUri, Name and RequestId bind by property name into the other cmdlets.
    /// </summary>
    public sealed class KvPendingCertificate
    {
        /// <summary>The four statuses the service uses.</summary>
        public const string InProgressStatus = "inProgress";
        /// <summary>The request completed: <see cref="Target"/> is the certificate.</summary>
        public const string CompletedStatus = "completed";
        /// <summary>The request failed: see <see cref="ErrorCode"/> and <see cref="ErrorMessage"/>.</summary>
        public const string FailedStatus = "failed";
        /// <summary>The issuer honoured a cancellation request.</summary>
        public const string CancelledStatus = "cancelled";

        internal KvPendingCertificate(
            Uri vaultUri,
            string vaultName,
            string name,
            Uri? id,
            string status,
            string? statusDetails,
            bool cancellationRequested,
            string? issuerName,
            string? requestId,
            byte[]? csr,
            Uri? target,
            string? errorCode,
            string? errorMessage,
            DateTimeOffset observedAt)
        {
            VaultUri = vaultUri;
            VaultName = vaultName;
            Name = name;
            Id = id;
            Status = status;
            StatusDetails = statusDetails;
            CancellationRequested = cancellationRequested;
            IssuerName = issuerName;
            RequestId = requestId;
            _csr = csr;
            Target = target;
            ErrorCode = errorCode;
            ErrorMessage = errorMessage;
            ObservedAt = observedAt;
        }

        private readonly byte[]? _csr;

        /// <summary>The vault's short name (the first label of its host).</summary>
        public string VaultName { get; }

        /// <summary>The vault's URI, e.g. https://myvault.vault.azure.net/.</summary>
        public Uri VaultUri { get; }

        /// <summary>The certificate name.</summary>
        public string Name { get; }

        /// <summary>The pending object's URL (…/certificates/{name}/pending).</summary>
        public Uri? Id { get; }

        /// <summary>inProgress, completed, failed or cancelled.</summary>
        public string Status { get; }

        /// <summary>The service's explanation while the request is in progress.</summary>
        public string? StatusDetails { get; }

        /// <summary>True once a cancellation was requested (stays true).</summary>
        public bool CancellationRequested { get; }

        /// <summary>Self, Unknown (manual: merge to complete) or the name of an issuer object.</summary>
        public string? IssuerName { get; }

        /// <summary>The service's id for this request; fixed for the life of the request.</summary>
        public string? RequestId { get; }

        /// <summary>The certificate signing request (PKCS#10, DER). A copy on every read.</summary>
        public byte[]? Csr => _csr is null ? null : (byte[])_csr.Clone();

        /// <summary>The certificate signing request as PEM (-----BEGIN CERTIFICATE REQUEST-----).</summary>
        public string? CsrPem => _csr is null ? null : ToPem(_csr);

        /// <summary>The certificate's URL once the request completed.</summary>
        public Uri? Target { get; }

        /// <summary>The service's error code once the request failed or was cancelled.</summary>
        public string? ErrorCode { get; }

        /// <summary>The service's error message once the request failed or was cancelled.</summary>
        public string? ErrorMessage { get; }

        /// <summary>When this state was read from the vault (UTC).</summary>
        public DateTimeOffset ObservedAt { get; }

        /// <summary>True when the status is final (completed, failed or cancelled).</summary>
        public bool IsFinal => !string.Equals(Status, InProgressStatus, StringComparison.OrdinalIgnoreCase);

        internal bool IsManual => string.Equals(IssuerName, "Unknown", StringComparison.OrdinalIgnoreCase);

        internal byte[]? CsrBytes => _csr;

        /// <inheritdoc />
        public override string ToString() => Name + " (" + Status + ")";

        internal static string ToPem(byte[] der)
        {
            var base64 = Convert.ToBase64String(der);
            var pem = new StringBuilder();
            pem.Append("-----BEGIN CERTIFICATE REQUEST-----\n");
            for (var i = 0; i < base64.Length; i += 64)
            {
                pem.Append(base64, i, Math.Min(64, base64.Length - i)).Append('\n');
            }

            pem.Append("-----END CERTIFICATE REQUEST-----\n");
            return pem.ToString();
        }
    }
}
