using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.Resources;

namespace KvCertPending.Engine
{
    /// <summary>Turns <see cref="PolicyParameters"/> into the SDK's CertificatePolicy, refusing incomplete or contradictory input.</summary>
    internal static class PolicyBuilder
    {
        public static CertificatePolicy Build(PolicyParameters p, string certificateName)
        {
            var sans = new SubjectAlternativeNames();
            foreach (var dns in p.DnsNames)
            {
                sans.DnsNames.Add(dns);
            }

            foreach (var email in p.Emails)
            {
                sans.Emails.Add(email);
            }

            foreach (var upn in p.UserPrincipalNames)
            {
                sans.UserPrincipalNames.Add(upn);
            }

            if (string.IsNullOrWhiteSpace(p.IssuerName))
            {
                throw Invalid(certificateName, Strings.PolicyIssuerMissing);
            }

            var hasSans = p.DnsNames.Count + p.Emails.Count + p.UserPrincipalNames.Count > 0;
            if (string.IsNullOrWhiteSpace(p.Subject) && !hasSans)
            {
                throw Invalid(certificateName, Strings.PolicyNeedsSubject);
            }

            CertificatePolicy policy;
            if (string.IsNullOrWhiteSpace(p.Subject))
            {
                policy = new CertificatePolicy(p.IssuerName, sans);
            }
            else if (hasSans)
            {
                policy = new CertificatePolicy(p.IssuerName, p.Subject, sans);
            }
            else
            {
                policy = new CertificatePolicy(p.IssuerName, p.Subject);
            }

            ApplyKey(policy, p.KeyType, p.KeySize, p.Curve, p.Exportable, p.ReuseKey, certificateName);
            if (p.ContentType is not null)
            {
                policy.ContentType = new CertificateContentType(p.ContentType);
            }

            policy.CertificateType = p.CertificateType;
            policy.CertificateTransparency = p.CertificateTransparency;
            policy.ValidityInMonths = p.ValidityInMonths;
            foreach (var eku in p.EnhancedKeyUsage)
            {
                policy.EnhancedKeyUsage.Add(eku);
            }

            foreach (var usage in p.KeyUsage)
            {
                policy.KeyUsage.Add(new CertificateKeyUsage(usage));
            }

            AddLifetimeAction(policy, CertificatePolicyAction.AutoRenew, p.RenewAtPercentageLifetime, p.RenewAtNumberOfDaysBeforeExpiry, certificateName);
            AddLifetimeAction(policy, CertificatePolicyAction.EmailContacts, p.EmailAtPercentageLifetime, p.EmailAtNumberOfDaysBeforeExpiry, certificateName);
            return policy;
        }

        internal static void ApplyKey(CertificatePolicy policy, string? keyType, int? keySize, string? curve, bool? exportable, bool? reuseKey, string certificateName)
        {
            var isEc = keyType is not null && keyType.StartsWith("EC", StringComparison.OrdinalIgnoreCase);
            if (keySize is not null && isEc)
            {
                throw Invalid(certificateName, Strings.PolicyKeySizeWithEc);
            }

            if (curve is not null && keyType is not null && !isEc)
            {
                throw Invalid(certificateName, Strings.PolicyCurveWithRsa);
            }

            if (keyType is not null)
            {
                policy.KeyType = new CertificateKeyType(keyType);
            }
            else if (curve is not null)
            {
                policy.KeyType = CertificateKeyType.Ec;
            }

            policy.KeySize = keySize;
            if (curve is not null)
            {
                policy.KeyCurveName = new CertificateKeyCurveName(curve);
            }

            policy.Exportable = exportable;
            policy.ReuseKey = reuseKey;
        }

        internal static void AddLifetimeAction(CertificatePolicy policy, CertificatePolicyAction action, int? percentage, int? days, string certificateName)
        {
            if (percentage is not null && days is not null)
            {
                throw Invalid(certificateName, string.Format(CultureInfo.CurrentCulture, Strings.PolicyLifetimeBoth, action));
            }

            if (percentage is null && days is null)
            {
                return;
            }

            if (policy.LifetimeActions.Any(a => a.Action == action))
            {
                throw Invalid(certificateName, string.Format(CultureInfo.CurrentCulture, Strings.PolicyLifetimeDuplicate, action));
            }

            policy.LifetimeActions.Add(new LifetimeAction(action) { LifetimePercentage = percentage, DaysBeforeExpiry = days });
        }

        internal static KvCertPendingException Invalid(string certificateName, string reason) =>
            new("CertificatePolicyInvalid", ErrorCategory.InvalidArgument,
                string.Format(CultureInfo.CurrentCulture, Strings.PolicyInvalid, certificateName, reason), certificateName);
    }
}
