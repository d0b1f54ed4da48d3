using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using KvCertPending.Completion;
using KvCertPending.Engine;
using KvCertPending.Model;
using KvCertPending.Resources;

namespace KvCertPending.Commands
{
    /// <summary>
    /// New-KvCertificate: starts a certificate request (Key Vault's create) and emits the pending object. The policy
    /// comes from parameters, or whole from -Policy / -PolicyPath in Key Vault's REST shape.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "KvCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByVaultSet)]
    [OutputType(typeof(KvPendingCertificate))]
    public sealed class NewKvCertificateCommand : KvWaitingCmdlet
    {
        private static readonly string[] PolicyParameterNames =
        {
            nameof(Subject), nameof(DnsName), nameof(EmailName), nameof(UserPrincipalName), nameof(IssuerName), nameof(CertificateType),
            nameof(CertificateTransparency), nameof(KeyType), nameof(KeySize), nameof(Curve), nameof(NotExportable), nameof(ReuseKey),
            nameof(ContentType), nameof(ValidityInMonths), nameof(EnhancedKeyUsage), nameof(KeyUsage), nameof(RenewAtPercentageLifetime),
            nameof(RenewAtNumberOfDaysBeforeExpiry), nameof(EmailAtPercentageLifetime), nameof(EmailAtNumberOfDaysBeforeExpiry),
        };

        /// <summary>The certificate name (1-127 characters of 0-9, a-z, A-Z, -).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(CertificateNameCompleter))]
        public string Name { get; set; } = string.Empty;

        /// <summary>The subject, e.g. "CN=www.contoso.com".</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Subject { get; set; }

        /// <summary>DNS names for the subject alternative name extension.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] DnsName { get; set; } = Array.Empty<string>();

        /// <summary>E-mail addresses for the subject alternative name extension.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] EmailName { get; set; } = Array.Empty<string>();

        /// <summary>User principal names for the subject alternative name extension.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] UserPrincipalName { get; set; } = Array.Empty<string>();

        /// <summary>Self (self-signed), Unknown (manual: merge the signed certificate later; the default) or an issuer object's name.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(IssuerNameCompleter))]
        public string IssuerName { get; set; } = "Unknown";

        /// <summary>The certificate type the issuer provider is asked for, e.g. OV-SSL or EV-SSL.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? CertificateType { get; set; }

        /// <summary>Asks the issuer to log the certificate in Certificate Transparency logs.</summary>
        [Parameter]
        public SwitchParameter CertificateTransparency { get; set; }

        /// <summary>RSA, RSA-HSM, EC or EC-HSM.</summary>
        [Parameter]
        [ValidateSet("RSA", "RSA-HSM", "EC", "EC-HSM")]
        public string? KeyType { get; set; }

        /// <summary>RSA key size: 2048, 3072 or 4096.</summary>
        [Parameter]
        [ValidateSet("2048", "3072", "4096")]
        public int KeySize { get; set; }

        /// <summary>Elliptic curve: P-256, P-384, P-521 or P-256K.</summary>
        [Parameter]
        [ValidateSet("P-256", "P-384", "P-521", "P-256K")]
        public string? Curve { get; set; }

        /// <summary>The private key can not be exported.</summary>
        [Parameter]
        public SwitchParameter NotExportable { get; set; }

        /// <summary>Renewals reuse the same key.</summary>
        [Parameter]
        public SwitchParameter ReuseKey { get; set; }

        /// <summary>How the secret holds the certificate: application/x-pkcs12 or application/x-pem-file.</summary>
        [Parameter]
        [ValidateSet("application/x-pkcs12", "application/x-pem-file")]
        public string? ContentType { get; set; }

        /// <summary>Validity in months.</summary>
        [Parameter]
        [ValidateRange(1, 1200)]
        public int ValidityInMonths { get; set; }

        /// <summary>Enhanced key usage OIDs, e.g. 1.3.6.1.5.5.7.3.1 (server authentication).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] EnhancedKeyUsage { get; set; } = Array.Empty<string>();

        /// <summary>Key usages.</summary>
        [Parameter]
        [ValidateSet("digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly")]
        public string[] KeyUsage { get; set; } = Array.Empty<string>();

        /// <summary>Lifetime action: renew automatically at this percentage of the lifetime.</summary>
        [Parameter]
        [ValidateRange(1, 99)]
        public int RenewAtPercentageLifetime { get; set; }

        /// <summary>Lifetime action: renew automatically this many days before expiry.</summary>
        [Parameter]
        [ValidateRange(1, 36500)]
        public int RenewAtNumberOfDaysBeforeExpiry { get; set; }

        /// <summary>Lifetime action: e-mail the vault's contacts at this percentage of the lifetime.</summary>
        [Parameter]
        [ValidateRange(1, 99)]
        public int EmailAtPercentageLifetime { get; set; }

        /// <summary>Lifetime action: e-mail the vault's contacts this many days before expiry.</summary>
        [Parameter]
        [ValidateRange(1, 36500)]
        public int EmailAtNumberOfDaysBeforeExpiry { get; set; }

        /// <summary>A whole policy in Key Vault's REST shape: a hashtable, a ConvertFrom-Json object or JSON text.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? Policy { get; set; }

        /// <summary>A JSON file holding a whole policy in Key Vault's REST shape.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PolicyPath { get; set; }

        /// <summary>Tags for the certificate.</summary>
        [Parameter]
        [ValidateNotNull]
        public Hashtable? Tag { get; set; }

        /// <summary>Creates the certificate disabled.</summary>
        [Parameter]
        public SwitchParameter Disabled { get; set; }

        /// <summary>Keeps the chain in the order it is merged in, instead of leaf first.</summary>
        [Parameter]
        public SwitchParameter PreserveCertificateOrder { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord() => ForItem(() =>
        {
            CheckName(Name);
            var policy = BuildPolicy();
            var tags = ToTags(Tag);
            var session = Session();
            if (!ShouldProcess(Describe(Name, session), string.Format(CultureInfo.CurrentCulture, Strings.ActionCreate, policy.IssuerName)))
            {
                return;
            }

            var (state, retryAfter) = Run((_, token) => session.CreateAsync(
                Name, policy, Disabled.IsPresent ? false : null, tags, PreserveCertificateOrder.IsPresent ? true : null, token));
            EmitOrWait(session, state, retryAfter);
        });

        private IPolicyRequest BuildPolicy()
        {
            var bound = MyInvocation.BoundParameters;
            var givenPolicyParameters = PolicyParameterNames.Where(bound.ContainsKey).ToList();
            if (Policy is not null || PolicyPath is not null)
            {
                if (Policy is not null && PolicyPath is not null)
                {
                    throw PolicySourceConflict(nameof(Policy) + ", " + nameof(PolicyPath));
                }

                if (givenPolicyParameters.Count > 0)
                {
                    throw PolicySourceConflict(string.Join(", ", givenPolicyParameters));
                }

                return Policy is not null ? EngineLoader.Engine.PolicyFromObject(Policy, Name) : EngineLoader.Engine.PolicyFromJson(ReadPolicyFile(PolicyPath!), Name);
            }

            return EngineLoader.Engine.BuildPolicy(
                new PolicyParameters
                {
                    IssuerName = IssuerName,
                    Subject = Subject,
                    DnsNames = DnsName,
                    Emails = EmailName,
                    UserPrincipalNames = UserPrincipalName,
                    CertificateType = CertificateType,
                    CertificateTransparency = bound.ContainsKey(nameof(CertificateTransparency)) ? CertificateTransparency.IsPresent : null,
                    KeyType = KeyType,
                    KeySize = bound.ContainsKey(nameof(KeySize)) ? KeySize : null,
                    Curve = Curve,
                    Exportable = bound.ContainsKey(nameof(NotExportable)) ? !NotExportable.IsPresent : null,
                    ReuseKey = bound.ContainsKey(nameof(ReuseKey)) ? ReuseKey.IsPresent : null,
                    ContentType = ContentType,
                    ValidityInMonths = bound.ContainsKey(nameof(ValidityInMonths)) ? ValidityInMonths : null,
                    EnhancedKeyUsage = EnhancedKeyUsage,
                    KeyUsage = KeyUsage,
                    RenewAtPercentageLifetime = bound.ContainsKey(nameof(RenewAtPercentageLifetime)) ? RenewAtPercentageLifetime : null,
                    RenewAtNumberOfDaysBeforeExpiry = bound.ContainsKey(nameof(RenewAtNumberOfDaysBeforeExpiry)) ? RenewAtNumberOfDaysBeforeExpiry : null,
                    EmailAtPercentageLifetime = bound.ContainsKey(nameof(EmailAtPercentageLifetime)) ? EmailAtPercentageLifetime : null,
                    EmailAtNumberOfDaysBeforeExpiry = bound.ContainsKey(nameof(EmailAtNumberOfDaysBeforeExpiry)) ? EmailAtNumberOfDaysBeforeExpiry : null,
                },
                Name);
        }

        private string ReadPolicyFile(string path)
        {
            var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            try
            {
                return File.ReadAllText(resolved);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new KvCertPendingException(
                    "PolicyFileUnreadable", ex is FileNotFoundException or DirectoryNotFoundException ? ErrorCategory.ObjectNotFound : ErrorCategory.ReadError,
                    string.Format(CultureInfo.CurrentCulture, Strings.PolicyFileUnreadable, resolved, ex.Message), resolved, ex);
            }
        }

        private KvCertPendingException PolicySourceConflict(string parameters) =>
            new("PolicySourceConflict", ErrorCategory.InvalidArgument,
                string.Format(CultureInfo.CurrentCulture, Strings.PolicySourceConflict, parameters), Name);
    }
}
