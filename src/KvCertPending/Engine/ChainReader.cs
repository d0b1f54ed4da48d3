using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KvCertPending.Resources;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Reads a signed chain from what a CA hands back: PEM with one or many certificates (and PKCS#7 blocks), DER
    /// .cer/.crt (one certificate or several one after another), PKCS#7 .p7b/.p7c (DER or PEM), or base64 strings;
    /// text may carry a UTF-8 or UTF-16 byte order mark. Throws <see cref="InvalidDataException"/>,
    /// <see cref="CryptographicException"/> or <see cref="FormatException"/> with a message that says what is wrong when
    /// nothing usable is there. Every step is linear in the input, which is bounded by <see cref="MaxBytes"/>.
    /// </summary>
    internal static class ChainReader
    {
        /// <summary>The largest chain read (file or -X5c item): real chains are a few kilobytes.</summary>
        public const int MaxBytes = 1024 * 1024;

        private const string Pkcs7SignedDataOid = "1.2.840.113549.1.7.2";
        private const string PemBegin = "-----BEGIN ";
        private const string PemEnd = "-----END ";
        private const string PemDashes = "-----";
        private const int MaxPemLabel = 64;

        public static List<X509Certificate2> ReadFile(string path, Action<string> warn)
        {
            try
            {
                var length = new FileInfo(path).Length;
                if (length > MaxBytes)
                {
                    throw TooLarge(length);
                }

                return ReadBytes(File.ReadAllBytes(path), warn);
            }
            catch (Exception ex) when (ex is InvalidDataException or CryptographicException or FormatException)
            {
                throw new InvalidDataException(string.Format(CultureInfo.CurrentCulture, Strings.ChainFileUnreadable, path, ex.Message), ex);
            }
        }

        public static List<X509Certificate2> ReadBytes(byte[] bytes, Action<string> warn)
        {
            if (bytes.Length > MaxBytes)
            {
                throw TooLarge(bytes.Length);
            }

            var text = TryText(bytes);
            if (text is not null && text.IndexOf(PemBegin, StringComparison.Ordinal) >= 0)
            {
                return ReadPem(text, warn);
            }

            if (text is not null)
            {
                var decoded = TryBase64(text) ?? throw new InvalidDataException(Strings.ChainFormatUnknown);
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
                    certificates.AddRange(ReadBytes(Encoding.UTF8.GetBytes(item ?? string.Empty), warn));
                }
                catch (Exception ex) when (ex is InvalidDataException or CryptographicException or FormatException)
                {
                    throw new InvalidDataException(string.Format(CultureInfo.CurrentCulture, Strings.X5cItemUnreadable, index, ex.Message), ex);
                }

                index++;
            }

            return certificates;
        }

        /// <summary>
        /// Every BEGIN/END block in order, in one forward pass: a BEGIN is closed by the next END line, whose label must
        /// be the same (RFC 7468); text between blocks is ignored.
        /// </summary>
        private static List<X509Certificate2> ReadPem(string text, Action<string> warn)
        {
            var certificates = new List<X509Certificate2>();
            var position = 0;
            while (true)
            {
                var begin = text.IndexOf(PemBegin, position, StringComparison.Ordinal);
                if (begin < 0)
                {
                    break;
                }

                var labelStart = begin + PemBegin.Length;
                var labelEnd = LabelEnd(text, labelStart);
                if (labelEnd < 0)
                {
                    // "-----BEGIN " not followed by "LABEL-----" on the same line: not a block.
                    position = labelStart;
                    continue;
                }

                var label = text.Substring(labelStart, labelEnd - labelStart);
                var bodyStart = labelEnd + PemDashes.Length;
                var end = text.IndexOf(PemEnd, bodyStart, StringComparison.Ordinal);
                if (end < 0 || string.CompareOrdinal(text, end + PemEnd.Length, label + PemDashes, 0, label.Length + PemDashes.Length) != 0)
                {
                    throw new InvalidDataException(string.Format(CultureInfo.CurrentCulture, Strings.PemBlockUnterminated, Printable(label)));
                }

                var body = text.Substring(bodyStart, end - bodyStart);
                position = end + PemEnd.Length + label.Length + PemDashes.Length;
                switch (label)
                {
                    case "CERTIFICATE":
                    case "X509 CERTIFICATE":
                    case "TRUSTED CERTIFICATE":
                        certificates.Add(LoadCertificate(Base64(body)));
                        break;
                    case "PKCS7":
                    case "PKCS #7 SIGNED DATA":
                    case "CMS":
                        certificates.AddRange(ReadPkcs7(Base64(body)));
                        break;
                    default:
                        // A private key or anything else is skipped; its content is never echoed.
                        warn(string.Format(CultureInfo.CurrentCulture, Strings.PemBlockSkipped, Printable(label)));
                        break;
                }
            }

            if (certificates.Count == 0)
            {
                throw new InvalidDataException(Strings.NoCertificateFound);
            }

            return certificates;
        }

        /// <summary>Where the label that starts at <paramref name="start"/> ends (at "-----"), or -1: labels are short and on one line.</summary>
        private static int LabelEnd(string text, int start)
        {
            var limit = Math.Min(text.Length, start + MaxPemLabel + PemDashes.Length);
            for (var i = start; i < limit; i++)
            {
                var c = text[i];
                if (c is '\r' or '\n')
                {
                    return -1;
                }

                if (c == '-')
                {
                    return string.CompareOrdinal(text, i, PemDashes, 0, PemDashes.Length) == 0 ? i : -1;
                }
            }

            return -1;
        }

        /// <summary>DER: a PKCS#7 bundle, or one or more certificates one after another.</summary>
        private static List<X509Certificate2> ReadDer(byte[] der)
        {
            var reader = new Der(der);
            var first = reader.ReadElement(Der.Sequence);
            if (first.PeekTag() == Der.ObjectIdentifier)
            {
                if (first.ReadOid() == Pkcs7SignedDataOid)
                {
                    return ReadPkcs7(der);
                }

                throw new InvalidDataException(Strings.ChainFormatUnknown);
            }

            var certificates = new List<X509Certificate2> { LoadCertificate(new Der(der).ReadRawElement()) };
            while (reader.HasMore)
            {
                certificates.Add(LoadCertificate(reader.ReadRawElement()));
            }

            return certificates;
        }

        /// <summary>
        /// One DER certificate: SEQUENCE { SEQUENCE tbsCertificate, ... }. Checked first because the X509Certificate2
        /// constructor would also open a PKCS#12 (PFX) file, private key and all, which has no place in a chain.
        /// </summary>
        private static X509Certificate2 LoadCertificate(byte[] der)
        {
            var content = new Der(der).ReadElement(Der.Sequence);
            var tag = content.PeekTag();
            if (tag != Der.Sequence)
            {
                throw new InvalidDataException(tag == Der.Integer ? Strings.ChainHoldsPrivateKey : Strings.ChainFormatUnknown);
            }

            return Decoded(new X509Certificate2(der));
        }

        /// <summary>
        /// Decodes now every field the merge reads (key, names, validity), so a certificate whose fields are broken is
        /// refused here as unreadable rather than failing later: X509Certificate2 decodes some of them only on first use.
        /// </summary>
        internal static X509Certificate2 Decoded(X509Certificate2 certificate)
        {
            _ = certificate.PublicKey.Oid.Value;
            _ = certificate.PublicKey.EncodedKeyValue.RawData;
            _ = certificate.SubjectName.RawData;
            _ = certificate.IssuerName.RawData;
            _ = certificate.Subject;
            _ = certificate.NotAfter;
            _ = certificate.NotBefore;
            _ = certificate.Thumbprint;
            return certificate;
        }

        private static List<X509Certificate2> ReadPkcs7(byte[] der)
        {
            var collection = new X509Certificate2Collection();
            collection.Import(der);
            var certificates = new List<X509Certificate2>();
            foreach (var certificate in collection)
            {
                certificates.Add(Decoded(certificate));
            }

            if (certificates.Count == 0)
            {
                throw new InvalidDataException(Strings.NoCertificateFound);
            }

            return certificates;
        }

        private static byte[] Base64(string body) => Convert.FromBase64String(WithoutWhitespace(body));

        /// <summary>
        /// The bytes as text when they look like text: UTF-16 (with its byte order mark), UTF-8 (with or without one; a
        /// PEM file may carry comments in any language), or null for binary data.
        /// </summary>
        private static string? TryText(byte[] bytes)
        {
            if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE)
            {
                return Decode(Encoding.Unicode, bytes, 2);
            }

            if (bytes.Length >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF)
            {
                return Decode(Encoding.BigEndianUnicode, bytes, 2);
            }

            var skip = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            for (var i = skip; i < bytes.Length; i++)
            {
                var b = bytes[i];
                if (b == 0 || (b < 0x20 && b != '\r' && b != '\n' && b != '\t'))
                {
                    return null;
                }
            }

            return Decode(Encoding.UTF8, bytes, skip);
        }

        private static string? Decode(Encoding encoding, byte[] bytes, int skip)
        {
            try
            {
                var strict = (Encoding)encoding.Clone();
                strict.DecoderFallback = DecoderFallback.ExceptionFallback;
                return strict.GetString(bytes, skip, bytes.Length - skip);
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }

        private static byte[]? TryBase64(string text)
        {
            var compact = WithoutWhitespace(text);
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

        private static string WithoutWhitespace(string text)
        {
            var compact = new StringBuilder(text.Length);
            foreach (var c in text)
            {
                if (!char.IsWhiteSpace(c))
                {
                    compact.Append(c);
                }
            }

            return compact.ToString();
        }

        /// <summary>A label as it may be shown (warnings, errors): printable ASCII only.</summary>
        private static string Printable(string label)
        {
            var shown = new StringBuilder(label.Length);
            foreach (var c in label)
            {
                shown.Append(c is >= ' ' and <= '~' ? c : '?');
            }

            return shown.ToString();
        }

        private static InvalidDataException TooLarge(long length) =>
            new(string.Format(CultureInfo.CurrentCulture, Strings.ChainSourceTooLarge, length, MaxBytes));
    }
}
