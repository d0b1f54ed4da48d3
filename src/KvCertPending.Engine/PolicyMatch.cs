using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Security.KeyVault.Certificates;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Whether the policy a vault holds is the one the module sent: every field that was sent must be there with the
    /// same value (the vault fills the fields left out with its defaults, so those are not compared).
    /// </summary>
    internal static class PolicyMatch
    {
        private static readonly StringComparer Text = StringComparer.OrdinalIgnoreCase;

        public static bool Same(CertificatePolicy sent, CertificatePolicy? held)
        {
            if (held is null)
            {
                return false;
            }

            return SameSubject(sent.Subject, held.Subject)
                && SameSet(sent.SubjectAlternativeNames?.DnsNames, held.SubjectAlternativeNames?.DnsNames)
                && SameSet(sent.SubjectAlternativeNames?.Emails, held.SubjectAlternativeNames?.Emails)
                && SameSet(sent.SubjectAlternativeNames?.UserPrincipalNames, held.SubjectAlternativeNames?.UserPrincipalNames)
                && SameIfSent(sent.IssuerName, held.IssuerName)
                && SameIfSent(sent.CertificateType, held.CertificateType)
                && SameIfSent(sent.KeyType?.ToString(), held.KeyType?.ToString())
                && SameIfSent(sent.KeySize, held.KeySize)
                && SameIfSent(sent.KeyCurveName?.ToString(), held.KeyCurveName?.ToString())
                && SameIfSent(sent.Exportable, held.Exportable)
                && SameIfSent(sent.ReuseKey, held.ReuseKey)
                && SameIfSent(sent.ValidityInMonths, held.ValidityInMonths)
                && SameIfSent(sent.ContentType?.ToString(), held.ContentType?.ToString());
        }

        /// <summary>Every tag that was sent is on the certificate with the same value.</summary>
        public static bool TagsKept(IDictionary<string, string>? sent, IDictionary<string, string> held) =>
            sent is null || sent.All(tag => held.TryGetValue(tag.Key, out var value) && string.Equals(value, tag.Value, StringComparison.Ordinal));

        private static bool SameSubject(string? sent, string? held)
        {
            if (string.IsNullOrEmpty(sent))
            {
                return true;
            }

            if (held is null)
            {
                return false;
            }

            if (Text.Equals(sent!.Trim(), held.Trim()))
            {
                return true;
            }

            try
            {
                // Spacing and quoting may differ between what was sent and what the vault writes back.
                var a = new X500DistinguishedName(sent).Decode(X500DistinguishedNameFlags.UseNewLines);
                var b = new X500DistinguishedName(held).Decode(X500DistinguishedNameFlags.UseNewLines);
                return Text.Equals(a, b);
            }
            catch (CryptographicException)
            {
                return false;
            }
        }

        private static bool SameSet(IList<string>? sent, IList<string>? held)
        {
            if (sent is null || sent.Count == 0)
            {
                return true;
            }

            return held is not null && new HashSet<string>(sent, Text).SetEquals(held);
        }

        private static bool SameIfSent(string? sent, string? held) => sent is null || Text.Equals(sent, held);

        private static bool SameIfSent<T>(T? sent, T? held)
            where T : struct, IEquatable<T> =>
            sent is not { } value || (held is { } other && value.Equals(other));
    }
}
