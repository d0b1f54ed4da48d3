using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KvCertPending.LocalVault.Hosting;

namespace KvCertPending.LocalVault.Crypto;

/// <summary>
/// The local certificate authority behind every simulated issuer provider (and the management sign endpoint):
/// a root made at first start and kept in the data folder, which signs PKCS#10 requests.
/// </summary>
internal sealed class LocalCertificateAuthority : IDisposable
{
    public const string CertificateFileName = "ca-root.pem";
    public const string KeyFileName = "ca-root-key.pem";

    private readonly X509Certificate2 _root;
    private readonly ECDsa _key;

    private LocalCertificateAuthority(X509Certificate2 root, string pemPath)
    {
        _root = root;
        _key = root.GetECDsaPrivateKey() ?? throw new InvalidOperationException("The local CA root has no EC private key.");
        PemPath = pemPath;
    }

    public string PemPath { get; }

    public X509Certificate2 Root => _root;

    public static LocalCertificateAuthority LoadOrCreate(string dataDirectory)
    {
        var pemPath = Path.Combine(dataDirectory, CertificateFileName);
        var root = PemCertificateFiles.LoadOrCreate(pemPath, Path.Combine(dataDirectory, KeyFileName), CreateRoot);
        return new LocalCertificateAuthority(root, pemPath);
    }

    /// <summary>Signs a DER PKCS#10 request (ECDSA P-256 with SHA-256: an EC root is made in an instant at first start). Returns the chain as DER, leaf first, then this root.</summary>
    /// <exception cref="CryptographicException">The request is not a valid, correctly self-signed PKCS#10.</exception>
    public IReadOnlyList<byte[]> Sign(byte[] csrDer, int validityDays)
    {
        var request = CertificateRequest.LoadSigningRequest(
            csrDer,
            HashAlgorithmName.SHA256,
            CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions,
            RSASignaturePadding.Pkcs1);
        if (!request.CertificateExtensions.OfType<X509BasicConstraintsExtension>().Any())
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        }

        var rootKeyId = _root.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
        if (rootKeyId is not null)
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(rootKeyId));
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-10);
        var notAfter = notBefore.AddDays(Math.Clamp(validityDays, 1, 3650));
        var rootNotAfter = new DateTimeOffset(_root.NotAfter.ToUniversalTime());
        if (notAfter > rootNotAfter)
        {
            notAfter = rootNotAfter;
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var leaf = request.Create(_root.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), notBefore, notAfter, serial);
        return [leaf.RawData, _root.RawData];
    }

    public void Dispose()
    {
        _key.Dispose();
        _root.Dispose();
    }

    private static X509Certificate2 CreateRoot()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=KvCertPending Local CA, O=KvCertPending local vault", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        var subjectKeyId = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
        request.CertificateExtensions.Add(subjectKeyId);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(subjectKeyId));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(20));
    }
}
