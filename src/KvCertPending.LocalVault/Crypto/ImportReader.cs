using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KvCertPending.LocalVault.Http;

namespace KvCertPending.LocalVault.Crypto;

/// <summary>The content of an import: a PFX (base64) or a PEM bundle (certificates and one private key).</summary>
internal sealed class ImportReader : IDisposable
{
    private ImportReader(AsymmetricAlgorithm key, List<X509Certificate2> certificates, X509Certificate2 leaf)
    {
        Key = key;
        Certificates = certificates;
        Leaf = leaf;
    }

    public AsymmetricAlgorithm Key { get; }

    public List<X509Certificate2> Certificates { get; }

    public X509Certificate2 Leaf { get; }

    public static ImportReader Read(string? value, string? password, bool pem)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw VaultErrors.BadParameter("Property value is required.");
        }

        try
        {
            var content = pem || IsPemText(value) ? ReadPem(PemText(value), password) : ReadPfx(value, password);
            try
            {
                content.Certificates.ForEach(ChainParser.EnsureReadable);
            }
            catch
            {
                content.Dispose();
                throw;
            }

            return content;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException)
        {
            throw VaultErrors.BadParameter("The specified certificate content could not be read: it is not a valid PFX or PEM, or the password is wrong.");
        }
    }

    public void Dispose()
    {
        Key.Dispose();
        Certificates.ForEach(c => c.Dispose());
    }

    private static ImportReader ReadPfx(string value, string? password)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw VaultErrors.BadParameter("Property value is not base64.");
        }

        var collection = X509CertificateLoader.LoadPkcs12Collection(bytes, password, X509KeyStorageFlags.Exportable);
        var all = collection.ToList();
        var withKey = all.FirstOrDefault(c => c.HasPrivateKey);
        if (withKey is null)
        {
            all.ForEach(c => c.Dispose());
            throw NoKey();
        }

        AsymmetricAlgorithm key = (AsymmetricAlgorithm?)withKey.GetRSAPrivateKey() ?? withKey.GetECDsaPrivateKey() ?? throw NoKey();
        var copy = (AsymmetricAlgorithm)(key is RSA ? RSA.Create() : ECDsa.Create());
        copy.ImportPkcs8PrivateKey(key.ExportPkcs8PrivateKey(), out _);
        key.Dispose();
        return new ImportReader(copy, all, withKey);
    }

    private static bool IsPemText(string value) => value.TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal);

    /// <summary>
    /// The PEM text of a PEM import: the value itself, or the value base64-decoded, as the service accepts both ("PEM
    /// content or Base64 encoded PEM content"); the Python SDK (and so the az CLI) always base64-encodes the bytes.
    /// </summary>
    private static string PemText(string value)
    {
        if (IsPemText(value))
        {
            return value;
        }

        var bytes = new byte[value.Length];
        return Convert.TryFromBase64String(value, bytes, out var length) && Encoding.UTF8.GetString(bytes, 0, length) is var text && IsPemText(text)
            ? text
            : value;
    }

    private static ImportReader ReadPem(string value, string? password)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(value);
        var all = certificates.ToList();
        if (all.Count == 0)
        {
            throw VaultErrors.BadParameter("The specified PEM content has no certificate.");
        }

        var key = ReadPemKey(value, password);
        var leaf = all.FirstOrDefault(c => KeyMaterial.Matches(c, key));
        if (leaf is null)
        {
            key.Dispose();
            all.ForEach(c => c.Dispose());
            throw VaultErrors.BadParameter(Lifecycle.PendingOperations.KeyMismatch);
        }

        return new ImportReader(key, all, leaf);
    }

    private static AsymmetricAlgorithm ReadPemKey(string value, string? password)
    {
        var encrypted = value.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal);
        foreach (var candidate in new Func<AsymmetricAlgorithm>[] { RSA.Create, ECDsa.Create })
        {
            var key = candidate();
            try
            {
                if (encrypted)
                {
                    key.ImportFromEncryptedPem(value, password ?? string.Empty);
                }
                else
                {
                    key.ImportFromPem(value);
                }

                return key;
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                key.Dispose();
            }
        }

        throw NoKey();
    }

    private static VaultException NoKey() =>
        VaultErrors.BadParameter("The specified certificate content has no private key, or the private key could not be read.");
}
