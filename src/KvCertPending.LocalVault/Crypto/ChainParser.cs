using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KvCertPending.LocalVault.Http;

namespace KvCertPending.LocalVault.Crypto;

/// <summary>Reads an <c>x5c</c> array: each item one base64 DER X.509 certificate. Anything else is 400 BadParameter.</summary>
internal static class ChainParser
{
    public static List<X509Certificate2> Parse(IReadOnlyList<string>? x5c)
    {
        if (x5c is null || x5c.Count == 0)
        {
            throw Invalid("the list is empty");
        }

        var certificates = new List<X509Certificate2>();
        try
        {
            foreach (var item in x5c)
            {
                certificates.Add(ParseOne(item));
            }
        }
        catch
        {
            certificates.ForEach(c => c.Dispose());
            throw;
        }

        return certificates;
    }

    /// <summary>Orders the chain for storage: as given when <paramref name="preserveOrder"/>, else the leaf first.</summary>
    public static List<byte[]> Order(List<X509Certificate2> chain, X509Certificate2 leaf, bool preserveOrder) =>
        preserveOrder
            ? chain.Select(c => c.RawData).ToList()
            : chain.Where(c => !ReferenceEquals(c, leaf)).Prepend(leaf).Select(c => c.RawData).ToList();

    /// <summary>
    /// Reads every field the vault uses later (validity, names, public key): the platform parses some of them lazily,
    /// so a malformed certificate must fail here, as bad input, not later as a server error.
    /// </summary>
    /// <exception cref="CryptographicException">A field cannot be decoded.</exception>
    public static void EnsureReadable(X509Certificate2 certificate)
    {
        _ = certificate.NotBefore;
        _ = certificate.NotAfter;
        _ = certificate.SubjectName.Name;
        _ = certificate.IssuerName.Name;
        _ = certificate.PublicKey.ExportSubjectPublicKeyInfo();
        _ = certificate.Thumbprint;
    }

    private static X509Certificate2 ParseOne(string? item)
    {
        if (string.IsNullOrWhiteSpace(item))
        {
            throw Invalid("an item is empty");
        }

        byte[] der;
        try
        {
            der = Convert.FromBase64String(item);
        }
        catch (FormatException)
        {
            throw Invalid("an item is not base64");
        }

        try
        {
            if (X509Certificate2.GetCertContentType(der) != X509ContentType.Cert)
            {
                throw Invalid("an item is not a DER X.509 certificate (a PKCS#7 or PKCS#12 blob is not accepted)");
            }

            var certificate = X509CertificateLoader.LoadCertificate(der);
            try
            {
                EnsureReadable(certificate);
            }
            catch
            {
                certificate.Dispose();
                throw;
            }

            return certificate;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException)
        {
            throw Invalid("an item is not a DER X.509 certificate");
        }
    }

    private static VaultException Invalid(string why) =>
        VaultErrors.BadParameter($"Property x5c has invalid value: {why}.");
}
