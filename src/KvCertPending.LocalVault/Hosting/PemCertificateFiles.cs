using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KvCertPending.LocalVault.Hosting;

/// <summary>
/// A certificate kept in the data folder as two PEM files: the public certificate (readable, for clients to trust)
/// and its private key (owner-only permissions). Made once, reused on every later start while it is valid.
/// </summary>
internal static class PemCertificateFiles
{
    public static X509Certificate2 LoadOrCreate(string certificatePath, string keyPath, Func<X509Certificate2> create)
    {
        var existing = TryLoad(certificatePath, keyPath);
        if (existing is not null)
        {
            return existing;
        }

        using var created = create();
        Write(certificatePath, keyPath, created);
        return TryLoad(certificatePath, keyPath)
            ?? throw new InvalidOperationException($"The certificate written to '{certificatePath}' could not be read back.");
    }

    private static X509Certificate2? TryLoad(string certificatePath, string keyPath)
    {
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            return null;
        }

        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            if (certificate.NotAfter.ToUniversalTime() > DateTime.UtcNow.AddDays(7))
            {
                return certificate;
            }

            certificate.Dispose();
            return null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static void Write(string certificatePath, string keyPath, X509Certificate2 certificate)
    {
        var keyPem = certificate.GetRSAPrivateKey() is { } rsa
            ? rsa.ExportPkcs8PrivateKeyPem()
            : certificate.GetECDsaPrivateKey()?.ExportPkcs8PrivateKeyPem()
              ?? throw new InvalidOperationException("The certificate has no private key to keep.");
        WriteOwnerOnly(keyPath, keyPem);
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
    }

    /// <summary>Writes a file readable and writable by its owner only (atomically, through a temporary file).</summary>
    public static void WriteOwnerOnly(string path, string content)
    {
        var temporary = path + ".tmp";
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllText(temporary, content);
        }
        else
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            using var stream = new FileStream(temporary, options);
            using var writer = new StreamWriter(stream);
            writer.Write(content);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
