using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using KvCertPending.Resources;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Reads a signed chain from what a CA hands back: PEM with one or many certificates (and PKCS#7 blocks), DER
    /// .cer/.crt, PKCS#7 .p7b/.p7c (DER or PEM), or base64 strings. Throws <see cref="InvalidDataException"/> with a
    /// message that names the source when nothing usable is there.
    /// </summary>
    internal static class ChainReader
    {
        private const string Pkcs7SignedDataOid = "1.2.840.113549.1.7.2";

        private static readonly Regex PemBlock = new(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----",
            RegexOptions.Singleline | RegexOptions.CultureInvariant);

        public static List<X509Certificate2> ReadFile(string path, Action<string> warn)
        {
            var bytes = File.ReadAllBytes(path);
            try
            {
                return ReadBytes(bytes, warn);
            }
            catch (Exception ex) when (ex is InvalidDataException or CryptographicException or FormatException)
            {
                throw new InvalidDataException(string.Format(CultureInfo.CurrentCulture, Strings.ChainFileUnreadable, path, ex.Message), ex);
            }
        }

        public static List<X509Certificate2> ReadBytes(byte[] bytes, Action<string> warn)
        {
            var text = TryText(bytes);
            if (text is not null && text.Contains("-----BEGIN "))
            {
                return ReadPem(text, warn);
            }

            if (text is not null && TryBase64(text) is { } decoded)
            {
                return ReadDer(decoded);
            }

            return ReadDer(bytes);
        }

        /// <summary>Items of -X5c: base64 DER certificates (PEM armour tolerated).</summary>
        public static List<X509Certificate2> ReadX5c(IEnumerable<string> items, Action<string> warn)
        {
            var certificates = new List<X509Certificate2>();
            var index = 0;
            foreach (var item in items)
            {
                try
                {
                    certificates.AddRange(ReadBytes(Encoding.ASCII.GetBytes(item ?? string.Empty), warn));
                }
                catch (Exception ex) when (ex is InvalidDataException or CryptographicException or FormatException)
                {
                    throw new InvalidDataException(string.Format(CultureInfo.CurrentCulture, Strings.X5cItemUnreadable, index, ex.Message), ex);
                }

                index++;
            }

            return certificates;
        }

        private static List<X509Certificate2> ReadPem(string text, Action<string> warn)
        {
            var certificates = new List<X509Certificate2>();
            foreach (Match block in PemBlock.Matches(text))
            {
                var label = block.Groups[1].Value;
                switch (label)
                {
                    case "CERTIFICATE":
                    case "X509 CERTIFICATE":
                    case "TRUSTED CERTIFICATE":
                        certificates.Add(new X509Certificate2(Base64(block.Groups[2].Value)));
                        break;
                    case "PKCS7":
                    case "PKCS #7 SIGNED DATA":
                    case "CMS":
                        certificates.AddRange(ReadPkcs7(Base64(block.Groups[2].Value)));
                        break;
                    default:
                        // A private key or anything else is skipped; its content is never echoed.
                        warn(string.Format(CultureInfo.CurrentCulture, Strings.PemBlockSkipped, label));
                        break;
                }
            }

            if (certificates.Count == 0)
            {
                throw new InvalidDataException(Strings.NoCertificateFound);
            }

            return certificates;
        }

        private static List<X509Certificate2> ReadDer(byte[] der)
        {
            var outer = new Der(der).ReadElement(Der.Sequence);
            if (outer.PeekTag() == Der.ObjectIdentifier)
            {
                var probe = outer;
                if (probe.ReadOid() == Pkcs7SignedDataOid)
                {
                    return ReadPkcs7(der);
                }

                throw new InvalidDataException(Strings.NoCertificateFound);
            }

            return new List<X509Certificate2> { new(der) };
        }

        private static List<X509Certificate2> ReadPkcs7(byte[] der)
        {
            var collection = new X509Certificate2Collection();
            collection.Import(der);
            var certificates = new List<X509Certificate2>();
            foreach (var certificate in collection)
            {
                certificates.Add(certificate);
            }

            if (certificates.Count == 0)
            {
                throw new InvalidDataException(Strings.NoCertificateFound);
            }

            return certificates;
        }

        private static byte[] Base64(string body) => Convert.FromBase64String(Regex.Replace(body, "\\s+", string.Empty));

        private static string? TryText(byte[] bytes)
        {
            foreach (var b in bytes)
            {
                if (b == 0 || b > 0x7e || (b < 0x20 && b != '\r' && b != '\n' && b != '\t'))
                {
                    return null;
                }
            }

            return Encoding.ASCII.GetString(bytes);
        }

        private static byte[]? TryBase64(string text)
        {
            var compact = Regex.Replace(text, "\\s+", string.Empty);
            if (compact.Length == 0 || compact.Length % 4 != 0)
            {
                return null;
            }

            try
            {
                return Convert.FromBase64String(compact);
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
