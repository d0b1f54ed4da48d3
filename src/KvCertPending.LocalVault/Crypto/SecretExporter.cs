using System.Security.Cryptography.X509Certificates;
using System.Text;
using KvCertPending.LocalVault.Model;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Crypto;

/// <summary>The secret behind an issued certificate version: a PFX (base64, no password) or a PEM with key and chain.</summary>
internal static class SecretExporter
{
    public static string Export(VersionRecord version)
    {
        var chain = version.Chain ?? throw new InvalidOperationException("The version has no certificate yet.");
        using var key = KeyMaterial.Import(version.KeyType, version.PrivateKey);
        var certificates = chain.Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c))).ToList();
        try
        {
            return version.ContentType == PolicyRules.Pem ? Pem(key, certificates) : Pfx(key, certificates);
        }
        finally
        {
            certificates.ForEach(c => c.Dispose());
        }
    }

    private static string Pem(System.Security.Cryptography.AsymmetricAlgorithm key, List<X509Certificate2> certificates)
    {
        var text = new StringBuilder();
        text.Append(key.ExportPkcs8PrivateKeyPem()).Append('\n');
        certificates.ForEach(c => text.Append(c.ExportCertificatePem()).Append('\n'));
        return text.ToString();
    }

    private static string Pfx(System.Security.Cryptography.AsymmetricAlgorithm key, List<X509Certificate2> certificates)
    {
        using var leaf = KeyMaterial.WithPrivateKey(certificates[0], key);
        var collection = new X509Certificate2Collection(leaf);
        collection.AddRange(certificates.Skip(1).ToArray());
        return Convert.ToBase64String(collection.Export(X509ContentType.Pkcs12)!);
    }
}
