using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace KvCertPending.Tests.Fuzz;

/// <summary>
/// A real chain to mutate: root CA, intermediate, and a leaf signed for a CSR's key, in every encoding a CA hands
/// back (DER, PEM in any order, PKCS#7 DER and PEM, base64), plus the mutations the parsers must survive.
/// </summary>
internal sealed class ChainMaterial
{
    private ChainMaterial(X509Certificate2 root, X509Certificate2 intermediate, X509Certificate2 leaf, byte[] csr)
    {
        Root = root;
        Intermediate = intermediate;
        Leaf = leaf;
        Csr = csr;
    }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    /// <summary>RSA 2048 leaf, valid 2026-2066, signed by the intermediate (ECDSA P-256).</summary>
    public X509Certificate2 Leaf { get; }

    /// <summary>The PKCS#10 request (DER) whose key the leaf carries.</summary>
    public byte[] Csr { get; }

    public X509Certificate2[] LeafFirst => [Leaf, Intermediate, Root];

    /// <summary>
    /// The fixed chain in Fuzz/Material (made once; no private key is kept), so a seed replays the very same inputs.
    /// </summary>
    public static ChainMaterial Load()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "Fuzz", "Material");
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(Path.Combine(directory, "chain.pem"));
        var csrText = File.ReadAllText(Path.Combine(directory, "leaf.csr.pem"));
        var csr = Convert.FromBase64String(csrText[PemEncoding.Find(csrText).Base64Data]);
        return new ChainMaterial(chain[2], chain[1], chain[0], csr);
    }

    /// <summary>The chain as a CA may hand it back, by name: what the parsers must read whole.</summary>
    public IReadOnlyList<(string Kind, byte[] Bytes)> Encodings()
    {
        var pkcs7 = new X509Certificate2Collection(LeafFirst).Export(X509ContentType.Pkcs7)!;
        string Pem(IEnumerable<X509Certificate2> certificates, string newline = "\n") =>
            string.Concat(certificates.Select(c => c.ExportCertificatePem().Replace("\n", newline, StringComparison.Ordinal) + newline));
        return
        [
            ("der leaf", Leaf.RawData),
            ("pem chain", Ascii(Pem(LeafFirst))),
            ("pem root first", Ascii(Pem(LeafFirst.Reverse()))),
            ("pem crlf", Ascii(Pem(LeafFirst, "\r\n"))),
            ("pem with text and other blocks", Ascii("subject=CN=fuzz.example.com\nissuer=CN=Fuzz Issuing CA\n" + Pem(LeafFirst)
                + PemEncoding.WriteString("CERTIFICATE REQUEST", Csr) + "\n")),
            ("pkcs7 der", pkcs7),
            ("pkcs7 pem", Ascii(PemEncoding.WriteString("PKCS7", pkcs7) + "\n")),
            ("base64 der", Ascii(Convert.ToBase64String(Leaf.RawData))),
            ("base64 wrapped", Ascii(Convert.ToBase64String(Leaf.RawData, Base64FormattingOptions.InsertLineBreaks))),
            ("base64 pkcs7", Ascii(Convert.ToBase64String(pkcs7))),
        ];
    }

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}

/// <summary>Byte- and text-level mutations of an encoded chain.</summary>
internal static class ChainMutations
{
    public static readonly string[] Kinds =
    [
        "truncate", "bit flips", "der wrong length", "der huge length", "der nested depth", "empty", "whitespace",
        "wrong pem label", "mixed encodings", "non-ascii", "very long", "random bytes", "splice", "utf-16 / bom",
    ];

    public static byte[] Mutate(string kind, byte[] input, FuzzRun run)
    {
        var r = run.Random;
        switch (kind)
        {
            case "truncate":
                return input[..r.Next(input.Length)];
            case "bit flips":
                var flipped = (byte[])input.Clone();
                for (var i = r.Next(1, 9); i > 0; i--)
                {
                    flipped[r.Next(flipped.Length)] ^= (byte)(1 << r.Next(8));
                }

                return flipped;
            case "der wrong length":
                return SetLength(input, r, huge: false);
            case "der huge length":
                return SetLength(input, r, huge: true);
            case "der nested depth":
                var depth = run.Pick(new[] { 1, 2, 10, 100, 1000, 20000 });
                var nested = input;
                for (var i = 0; i < depth; i++)
                {
                    nested = [0x30, .. Length(nested.Length), .. nested];
                }

                return nested;
            case "empty":
                return [];
            case "whitespace":
                return ChainMaterial.Ascii(new string(Enumerable.Range(0, r.Next(1, 200)).Select(_ => run.Pick(" \t\r\n".ToCharArray())).ToArray()));
            case "wrong pem label":
                var label = run.Pick(new[] { "PRIVATE KEY", "RSA PRIVATE KEY", "CERTIFICATE REQUEST", "certificate", "X509 CRL", "PUBLIC KEY", "CERTIFICATE ", "PKCS7", "CMS", "TRUSTED CERTIFICATE", "ENCRYPTED PRIVATE KEY", "" });
                var body = Convert.ToBase64String(input[..Math.Min(input.Length, r.Next(1, 4096))], Base64FormattingOptions.InsertLineBreaks);
                var end = r.Next(3) == 0 ? "CERTIFICATE" : label;
                return ChainMaterial.Ascii($"-----BEGIN {label}-----\n{body}\n-----END {end}-----\n");
            case "mixed encodings":
                return r.Next(4) switch
                {
                    0 => [.. input, .. ChainMaterial.Ascii("\n-----BEGIN CERTIFICATE-----\n")],
                    1 => ChainMaterial.Ascii(Convert.ToBase64String(input)), // base64 of PEM or of DER
                    2 => [.. ChainMaterial.Ascii("-----BEGIN CERTIFICATE-----\n"), .. input, .. ChainMaterial.Ascii("\n-----END CERTIFICATE-----\n")],
                    _ => ChainMaterial.Ascii(Convert.ToBase64String(input).Replace('+', '-').Replace('/', '_').TrimEnd('=')), // base64url
                };
            case "non-ascii":
                var insert = Encoding.UTF8.GetBytes(run.Pick(new[] { "é", "ß", "\u00a0", "\u200b", "中文", "\ud83d\udd12", "\u0130", "\uff21" }));
                var at = r.Next(input.Length + 1);
                return [.. input[..at], .. insert, .. input[at..]];
            case "very long":
                return r.Next(4) switch
                {
                    0 => ChainMaterial.Ascii(string.Concat(Enumerable.Repeat("-----BEGIN CERTIFICATE-----\n", 20000))),
                    1 => ChainMaterial.Ascii(new string('A', 1 << 20)),
                    2 => Enumerable.Repeat(input, 200).SelectMany(b => b).ToArray(),
                    _ => ChainMaterial.Ascii(string.Concat(Enumerable.Repeat("-----BEGIN X-----", 30000))),
                };
            case "random bytes":
                return run.Bytes(r.Next(0, 2048));
            case "splice":
                var from = r.Next(input.Length);
                var length = r.Next(1, Math.Max(2, input.Length - from));
                return r.Next(2) == 0
                    ? [.. input[..from], .. input[(from + Math.Min(length, input.Length - from))..]] // delete a range
                    : [.. input[..from], .. input[from..Math.Min(input.Length, from + length)], .. input[from..]]; // repeat a range
            case "utf-16 / bom":
                var text = Encoding.Latin1.GetString(input);
                return r.Next(3) switch
                {
                    0 => [0xEF, 0xBB, 0xBF, .. input],
                    1 => Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray(),
                    _ => Encoding.BigEndianUnicode.GetPreamble().Concat(Encoding.BigEndianUnicode.GetBytes(text)).ToArray(),
                };
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>Finds a DER tag-length at a random place (or in the base64/PEM's decoded body) and rewrites its length.</summary>
    private static byte[] SetLength(byte[] input, Random r, bool huge)
    {
        var der = input.Length > 0 && input[0] == 0x30 ? input : TryDecode(input) ?? input;
        if (der.Length < 4)
        {
            return der;
        }

        // Walk to a random TLV header along the first-child path.
        var position = 0;
        for (var steps = r.Next(0, 6); steps > 0 && position + 2 < der.Length; steps--)
        {
            var (headerLength, _) = ReadHeader(der, position);
            if (headerLength == 0 || position + headerLength >= der.Length)
            {
                break;
            }

            position += headerLength;
        }

        var (oldHeader, _) = ReadHeader(der, position);
        if (oldHeader == 0)
        {
            oldHeader = 2;
        }

        byte[] lengthBytes = huge
            ? r.Next(4) switch
            {
                0 => [0x84, 0xFF, 0xFF, 0xFF, 0xFF],
                1 => [0x84, 0x7F, 0xFF, 0xFF, 0xFF],
                2 => [0x88, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00],
                _ => [0x80], // indefinite length (BER, not DER)
            }
            : Length(Math.Max(0, der.Length - position - oldHeader + r.Next(-3, 4)));
        var result = new List<byte>(der[..(position + 1)]);
        result.AddRange(lengthBytes);
        result.AddRange(der[Math.Min(der.Length, position + oldHeader)..]);
        return [.. result];
    }

    private static (int HeaderLength, int ContentLength) ReadHeader(byte[] der, int position)
    {
        if (position + 1 >= der.Length)
        {
            return (0, 0);
        }

        int first = der[position + 1];
        if (first < 0x80)
        {
            return (2, first);
        }

        var count = first & 0x7f;
        if (count is 0 or > 3 || position + 2 + count > der.Length)
        {
            return (0, 0);
        }

        var length = 0;
        for (var i = 0; i < count; i++)
        {
            length = (length << 8) | der[position + 2 + i];
        }

        return (2 + count, length);
    }

    private static byte[] Length(int length) => length switch
    {
        < 0x80 => [(byte)length],
        < 0x100 => [0x81, (byte)length],
        < 0x10000 => [0x82, (byte)(length >> 8), (byte)length],
        < 0x1000000 => [0x83, (byte)(length >> 16), (byte)(length >> 8), (byte)length],
        _ => [0x84, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length],
    };

    private static byte[]? TryDecode(byte[] input)
    {
        var text = Encoding.ASCII.GetString(input);
        var begin = text.IndexOf("-----\n", StringComparison.Ordinal);
        var endIndex = text.IndexOf("\n-----END", StringComparison.Ordinal);
        var body = begin >= 0 && endIndex > begin ? text[(begin + 6)..endIndex] : text;
        try
        {
            return Convert.FromBase64String(body.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
