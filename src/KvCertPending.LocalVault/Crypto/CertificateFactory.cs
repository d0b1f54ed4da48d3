using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Model;

namespace KvCertPending.LocalVault.Crypto;

/// <summary>Turns a completed policy and a key into a PKCS#10 request or a self-signed certificate.</summary>
internal static class CertificateFactory
{
    /// <summary>The DER PKCS#10 request: subject, SANs, EKUs and key usages from the policy.</summary>
    /// <exception cref="VaultException">400 BadParameter when the policy's values cannot be encoded.</exception>
    public static byte[] CreateCsr(PolicyModel policy, AsymmetricAlgorithm key)
    {
        try
        {
            return Build(policy, key).CreateSigningRequest();
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException)
        {
            throw VaultErrors.BadParameter("The policy's x509_props could not be encoded into a certificate request: check the subject, subject alternative names and EKU OIDs.");
        }
    }

    /// <summary>A self-signed certificate valid from <paramref name="created"/> - 600 s for the policy's validity.</summary>
    public static byte[] CreateSelfSigned(PolicyModel policy, AsymmetricAlgorithm key, DateTimeOffset created)
    {
        var request = Build(policy, key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var (notBefore, notAfter) = Validity(policy, created);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var generator = key switch
        {
            RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
            ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
            _ => throw new InvalidOperationException("Unsupported key type."),
        };
        using var certificate = request.Create(request.SubjectName, generator, notBefore, notAfter, serial);
        return certificate.RawData;
    }

    /// <summary>Key Vault's validity window: from <paramref name="created"/> - 600 s for validity_months.</summary>
    public static (DateTimeOffset NotBefore, DateTimeOffset NotAfter) Validity(PolicyModel policy, DateTimeOffset created) =>
        (created.AddSeconds(-600), created.AddMonths(policy.X509Props?.ValidityMonths ?? 12));

    private static CertificateRequest Build(PolicyModel policy, AsymmetricAlgorithm key)
    {
        var x509 = policy.X509Props!;
        var subject = string.IsNullOrWhiteSpace(x509.Subject) ? new X500DistinguishedName(string.Empty) : PolicyRules.ParseSubject(x509.Subject);
        var request = key switch
        {
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => new CertificateRequest(subject, ec, PolicyRules.KeySpecOf(policy).Hash),
            _ => throw new InvalidOperationException("Unsupported key type."),
        };

        if (PolicyRules.HasSans(x509.Sans))
        {
            var sans = x509.Sans!;
            var builder = new SubjectAlternativeNameBuilder();
            sans.DnsNames?.ForEach(builder.AddDnsName);
            sans.Emails?.ForEach(builder.AddEmailAddress);
            sans.Upns?.ForEach(builder.AddUserPrincipalName);
            request.CertificateExtensions.Add(builder.Build(critical: string.IsNullOrWhiteSpace(x509.Subject)));
        }

        if (x509.Ekus is { Count: > 0 } ekus)
        {
            var oids = new OidCollection();
            ekus.ForEach(e => oids.Add(new Oid(e)));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, critical: false));
        }

        var usage = PolicyRules.KeyUsageFlags(policy);
        if (usage != X509KeyUsageFlags.None)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        }

        return request;
    }
}
