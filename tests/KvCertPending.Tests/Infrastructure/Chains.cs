using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KvCertPending.Tests.Infrastructure;

/// <summary>Signed chains in the shapes CAs hand back, written to files for -Path.</summary>
internal static class Chains
{
    public static X509Certificate2[] Parse(string[] x5c) =>
        x5c.Select(b => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(b))).ToArray();

    /// <summary>PEM with every certificate, root first (the module must put the leaf first).</summary>
    public static string WritePemRootFirst(string directory, string[] x5c)
    {
        var path = Path.Combine(directory, "chain-root-first.pem");
        File.WriteAllText(path, string.Concat(Parse(x5c).Reverse().Select(c => c.ExportCertificatePem() + "\n")));
        return path;
    }

    public static string WriteDerLeaf(string directory, string[] x5c)
    {
        var path = Path.Combine(directory, "leaf.cer");
        File.WriteAllBytes(path, Convert.FromBase64String(x5c[0]));
        return path;
    }

    public static string WritePkcs7(string directory, string[] x5c)
    {
        var path = Path.Combine(directory, "chain.p7b");
        var collection = new X509Certificate2Collection(Parse(x5c));
        File.WriteAllBytes(path, collection.Export(X509ContentType.Pkcs7)!);
        return path;
    }

    /// <summary>A certificate for the CSR's key from a throwaway CA, valid only in the past (expired).</summary>
    public static X509Certificate2 SignExpired(byte[] csr)
    {
        var request = CertificateRequest.LoadSigningRequest(csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Expired Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(30));
        return request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddDays(-20), DateTimeOffset.UtcNow.AddDays(-1), [1, 2, 3, 4]);
    }

    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "kvcp-chain-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
