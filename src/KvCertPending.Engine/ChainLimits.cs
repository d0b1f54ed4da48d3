using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using KvCertPending.Resources;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Bounds on what a merge sends: a real chain is a leaf and two or three CA certificates of a few KB each. Beyond
    /// these bounds the merge is refused before anything is sent (the local vault refuses bodies over 1 MiB; base64
    /// makes 512 KiB of DER about 700 KB of JSON).
    /// </summary>
    internal static class ChainLimits
    {
        public const int MaxCertificates = 16;

        public const int MaxTotalBytes = 512 * 1024;

        public static void Check(string certificateName, IReadOnlyList<X509Certificate2> chain)
        {
            var bytes = chain.Sum(c => (long)c.RawData.Length);
            if (chain.Count > MaxCertificates || bytes > MaxTotalBytes)
            {
                throw new KvCertPendingException(
                    "CertificateChainTooLarge", ErrorCategory.InvalidArgument,
                    string.Format(CultureInfo.CurrentCulture, Strings.ChainTooLarge, certificateName, chain.Count, bytes, MaxCertificates, MaxTotalBytes),
                    certificateName);
            }
        }
    }
}
