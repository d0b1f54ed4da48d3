using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KvCertPending.Resources;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Checks and orders a chain before anything is sent: the leaf's public key must be the CSR's, the leaf goes first
    /// and its issuers follow, duplicates go, and a leaf outside its validity is warned about.
    /// </summary>
    internal static class MergeChain
    {
        public static IReadOnlyList<X509Certificate2> Prepare(
            string certificateName, IReadOnlyList<X509Certificate2> certificates, byte[]? csr, DateTimeOffset now, Action<string> warn)
        {
            try
            {
                // Certificate objects given directly (-Certificate) were never read by ChainReader: decode them the same way.
                foreach (var certificate in certificates)
                {
                    ChainReader.Decoded(certificate);
                }
            }
            catch (CryptographicException ex)
            {
                throw new KvCertPendingException(
                    "CertificateChainUnreadable", ErrorCategory.InvalidData,
                    string.Format(CultureInfo.CurrentCulture, Strings.ChainUnreadable, certificateName, ex.Message), certificateName, ex);
            }

            var distinct = new List<X509Certificate2>();
            foreach (var certificate in certificates)
            {
                if (!distinct.Any(c => c.RawData.SequenceEqual(certificate.RawData)))
                {
                    distinct.Add(certificate);
                }
            }

            if (distinct.Count == 0)
            {
                throw new KvCertPendingException(
                    "CertificateChainEmpty", ErrorCategory.InvalidData, Strings.ChainEmpty, certificateName);
            }

            if (csr is null || csr.Length == 0)
            {
                throw new KvCertPendingException(
                    "PendingCertificateHasNoCsr", ErrorCategory.InvalidData,
                    string.Format(CultureInfo.CurrentCulture, Strings.PendingHasNoCsr, certificateName), certificateName);
            }

            PublicKeyInfo requested;
            try
            {
                requested = PublicKeyInfo.FromCsr(csr);
            }
            catch (InvalidDataException ex)
            {
                throw new KvCertPendingException(
                    "PendingCertificateHasNoCsr", ErrorCategory.InvalidData,
                    string.Format(CultureInfo.CurrentCulture, Strings.CsrUnreadable, certificateName, ex.Message), certificateName, ex);
            }

            var leaf = distinct.FirstOrDefault(c => PublicKeyInfo.FromCertificate(c).SameKey(requested));
            if (leaf is null)
            {
                var subjects = string.Join("; ", distinct.Select(c => c.Subject));
                throw new KvCertPendingException(
                    "CertificateKeyMismatch",
                    ErrorCategory.InvalidArgument,
                    string.Format(CultureInfo.CurrentCulture, Strings.CertificateKeyMismatch, certificateName, subjects),
                    certificateName,
                    recommendedAction: Strings.CertificateKeyMismatchAction);
            }

            var ordered = new List<X509Certificate2> { leaf };
            var rest = distinct.Where(c => !ReferenceEquals(c, leaf)).ToList();
            var current = leaf;
            while (!IsSelfIssued(current))
            {
                var issuer = rest.FirstOrDefault(c => c.SubjectName.RawData.SequenceEqual(current.IssuerName.RawData));
                if (issuer is null)
                {
                    break;
                }

                ordered.Add(issuer);
                rest.Remove(issuer);
                current = issuer;
            }

            ordered.AddRange(rest);

            if (leaf.NotAfter.ToUniversalTime() < now.UtcDateTime)
            {
                warn(string.Format(CultureInfo.CurrentCulture, Strings.LeafExpired, certificateName, leaf.Subject, leaf.NotAfter.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture)));
            }
            else if (leaf.NotBefore.ToUniversalTime() > now.UtcDateTime)
            {
                warn(string.Format(CultureInfo.CurrentCulture, Strings.LeafNotYetValid, certificateName, leaf.Subject, leaf.NotBefore.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture)));
            }

            return ordered;
        }

        private static bool IsSelfIssued(X509Certificate2 certificate) =>
            certificate.SubjectName.RawData.SequenceEqual(certificate.IssuerName.RawData);
    }
}
