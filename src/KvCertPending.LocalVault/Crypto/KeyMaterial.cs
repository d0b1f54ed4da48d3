using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KvCertPending.LocalVault.Crypto;

/// <summary>Private keys to and from their stored form (PKCS#8), and public-key comparison.</summary>
internal static class KeyMaterial
{
    public static string FamilyOf(AsymmetricAlgorithm key) => key is ECDsa ? KeySpec.Ec : KeySpec.Rsa;

    public static string Export(AsymmetricAlgorithm key) => Convert.ToBase64String(key.ExportPkcs8PrivateKey());

    public static AsymmetricAlgorithm Import(string family, string pkcs8Base64)
    {
        var bytes = Convert.FromBase64String(pkcs8Base64);
        AsymmetricAlgorithm key = family == KeySpec.Ec ? ECDsa.Create() : RSA.Create();
        key.ImportPkcs8PrivateKey(bytes, out _);
        return key;
    }

    /// <summary>True when the certificate's public key is the public half of <paramref name="key"/>.</summary>
    public static bool Matches(X509Certificate2 certificate, AsymmetricAlgorithm key) =>
        certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());

    /// <summary>The certificate with the private key attached (for PFX/PEM export).</summary>
    public static X509Certificate2 WithPrivateKey(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        ECDsa ec => certificate.CopyWithPrivateKey(ec),
        _ => throw new InvalidOperationException("Unsupported key type."),
    };
}
