using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>The few DER readings .NET has no API for: SAN e-mail and UPN entries, and the RDN order of a name.</summary>
internal static class Asn
{
    private const string UpnOid = "1.3.6.1.4.1.311.20.2.3";

    public static (List<string> Dns, List<string> Emails, List<string> Upns) SubjectAltNames(X509Extension extension)
    {
        var dns = new List<string>();
        var emails = new List<string>();
        var upns = new List<string>();
        var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
        AsnReader names = reader.ReadSequence();
        while (names.HasData)
        {
            Asn1Tag tag = names.PeekTag();
            if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                AsnReader other = names.ReadSequence(tag);
                string typeId = other.ReadObjectIdentifier();
                AsnReader value = other.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true));
                if (typeId == UpnOid)
                {
                    upns.Add(value.ReadCharacterString(UniversalTagNumber.UTF8String));
                }
            }
            else if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
            {
                emails.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, tag));
            }
            else if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 2)))
            {
                dns.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, tag));
            }
            else
            {
                names.ReadEncodedValue();
            }
        }

        return (dns, emails, upns);
    }

    /// <summary>The attribute type OIDs of a distinguished name, in DER order (RFC 4514 writes them reversed).</summary>
    public static List<string> RdnOidsInDerOrder(X500DistinguishedName name)
    {
        var oids = new List<string>();
        AsnReader sequence = new AsnReader(name.RawData, AsnEncodingRules.DER).ReadSequence();
        while (sequence.HasData)
        {
            AsnReader set = sequence.ReadSetOf();
            while (set.HasData)
            {
                AsnReader attribute = set.ReadSequence();
                oids.Add(attribute.ReadObjectIdentifier());
                attribute.ReadEncodedValue();
            }
        }

        return oids;
    }

    public static X509Extension? Find(IEnumerable<X509Extension> extensions, string oid) =>
        extensions.FirstOrDefault(e => e.Oid?.Value == oid);

    public static byte[] PublicKeyOf(CertificateRequest request) => request.PublicKey.ExportSubjectPublicKeyInfo();

    public static byte[] PublicKeyOf(X509Certificate2 certificate) => certificate.PublicKey.ExportSubjectPublicKeyInfo();

    public static CertificateRequest LoadCsr(byte[] der) =>
        CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
}
