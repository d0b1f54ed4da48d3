using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>
/// A certificate authority of the tests' own, made with .NET's CertificateRequest: it signs the vault's CSRs for
/// merge tests (a CA the vault has never seen), and makes leaves with unrelated keys for the mismatch tests.
/// </summary>
internal sealed class TestCa : IDisposable
{
    private readonly RSA key;

    public TestCa(string commonName = "KvCertPending Test CA")
    {
        key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2));
    }

    public X509Certificate2 Root { get; }

    /// <summary>Signs a PKCS#10 request (DER) as is: the leaf carries the CSR's subject, public key and extensions.</summary>
    public X509Certificate2 Sign(byte[] csrDer, int validityDays = 90)
    {
        CertificateRequest request = CertificateRequest.LoadSigningRequest(
            csrDer,
            HashAlgorithmName.SHA256,
            CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions,
            RSASignaturePadding.Pkcs1);
        return request.Create(Root, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(validityDays), NewSerial());
    }

    /// <summary>Signs the CSR of a pending object as the vault returned it (its "csr" field).</summary>
    public X509Certificate2 SignPending(System.Text.Json.Nodes.JsonNode pending) =>
        Sign(Convert.FromBase64String(KvAssert.Str(pending, "csr")));

    /// <summary>A leaf for <paramref name="subject"/> whose key is fresh (so it matches no pending request).</summary>
    public X509Certificate2 SignUnrelated(string subject)
    {
        using RSA other = RSA.Create(2048);
        var request = new CertificateRequest(subject, other, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.Create(Root, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30), NewSerial());
    }

    /// <summary>x5c for merge: leaf first, then the root.</summary>
    public byte[][] Chain(X509Certificate2 leaf) => [leaf.RawData, Root.RawData];

    public void Dispose()
    {
        Root.Dispose();
        key.Dispose();
    }

    private static byte[] NewSerial()
    {
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return serial;
    }
}
