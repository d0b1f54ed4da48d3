using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>Small certificate helpers: merge bodies, x5t, self-made certificates for import.</summary>
internal static class Chains
{
    public static JsonObject X5c(IEnumerable<byte[]> chain) =>
        new() { ["x5c"] = new JsonArray(chain.Select(c => (JsonNode)JsonValue.Create(Convert.ToBase64String(c))).ToArray()) };

    public static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static X509Certificate2 SelfSigned(string subject)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
    }

    public static byte[] SelfSignedPfx(string subject, string? password = null)
    {
        using X509Certificate2 certificate = SelfSigned(subject);
        return certificate.Export(X509ContentType.Pfx, password);
    }

    /// <summary>A PEM with the certificate and its unencrypted PKCS#8 private key, as Key Vault imports PEM.</summary>
    public static string SelfSignedPem(string subject)
    {
        using X509Certificate2 certificate = SelfSigned(subject);
        using RSA key = certificate.GetRSAPrivateKey()!;
        return certificate.ExportCertificatePem() + "\n" + new string(PemEncoding.Write("PRIVATE KEY", key.ExportPkcs8PrivateKey())) + "\n";
    }
}
