using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure;
using Azure.Security.KeyVault.Certificates;
using Azure.Security.KeyVault.Secrets;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Surface;

/// <summary>Real keys and CSRs: what the policy asks for is what the CSR carries; merge checks the key; secrets export keys.</summary>
[Collection(SurfaceCollection.Name)]
public sealed class CryptoTests(VaultFixture fixture)
{
    private VaultConnection Vault => fixture.Vault;

    [Fact]
    public async Task Csr_CarriesSubjectSansEkusAndKeyUsages()
    {
        string name = Names.New("csr");
        const string subject = "CN=crypto.contoso.com, OU=Certs, O=Contoso, L=Redmond, C=US";
        var sans = new SubjectAlternativeNames();
        sans.DnsNames.Add("crypto.contoso.com");
        sans.DnsNames.Add("www.crypto.contoso.com");
        sans.Emails.Add("pki@contoso.com");
        sans.UserPrincipalNames.Add("svc@contoso.com");
        var policy = new CertificatePolicy("Unknown", subject, sans)
        {
            KeyType = CertificateKeyType.Rsa,
            KeySize = 3072,
            ContentType = CertificateContentType.Pkcs12,
        };
        policy.EnhancedKeyUsage.Add("1.3.6.1.5.5.7.3.1");
        policy.EnhancedKeyUsage.Add("1.3.6.1.5.5.7.3.4");
        policy.KeyUsage.Add(CertificateKeyUsage.DigitalSignature);
        policy.KeyUsage.Add(CertificateKeyUsage.KeyEncipherment);
        policy.KeyUsage.Add(CertificateKeyUsage.NonRepudiation);

        CertificateOperation operation = await Vault.Certificates.StartCreateCertificateAsync(name, policy);

        // LoadSigningRequest checks the CSR's signature too.
        CertificateRequest csr = Asn.LoadCsr(operation.Properties.Csr);
        Assert.Equal(new X500DistinguishedName(subject).Name, csr.SubjectName.Name);
        Assert.Equal(["2.5.4.6", "2.5.4.7", "2.5.4.10", "2.5.4.11", "2.5.4.3"], Asn.RdnOidsInDerOrder(csr.SubjectName));
        Assert.Equal(3072, csr.PublicKey.GetRSAPublicKey()!.KeySize);

        X509Extension san = Asn.Find(csr.CertificateExtensions, "2.5.29.17") ?? throw new Xunit.Sdk.XunitException("no SAN extension");
        (List<string> dns, List<string> emails, List<string> upns) = Asn.SubjectAltNames(san);
        Assert.Equal(["crypto.contoso.com", "www.crypto.contoso.com"], dns.Order());
        Assert.Equal(["pki@contoso.com"], emails);
        Assert.Equal(["svc@contoso.com"], upns);

        X509Extension eku = Asn.Find(csr.CertificateExtensions, "2.5.29.37") ?? throw new Xunit.Sdk.XunitException("no EKU extension");
        var ekus = new X509EnhancedKeyUsageExtension(new AsnEncodedData(eku.Oid, eku.RawData), eku.Critical);
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.4"], ekus.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value!).Order());

        X509Extension ku = Asn.Find(csr.CertificateExtensions, "2.5.29.15") ?? throw new Xunit.Sdk.XunitException("no key usage extension");
        var keyUsage = new X509KeyUsageExtension(new AsnEncodedData(ku.Oid, ku.RawData), ku.Critical);
        Assert.Equal(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.NonRepudiation,
            keyUsage.KeyUsages);
    }

    [Theory]
    [InlineData("RSA", 2048, null)]
    [InlineData("RSA", 3072, null)]
    [InlineData("RSA", 4096, null)]
    [InlineData("EC", 256, "P-256")]
    [InlineData("EC", 384, "P-384")]
    [InlineData("EC", 521, "P-521")]
    public async Task KeyTypeSizeAndCurve_FollowThePolicy(string kty, int bits, string? curve)
    {
        string name = Names.New("key");
        var policy = new CertificatePolicy("Unknown", "CN=keys.contoso.com") { KeyType = new CertificateKeyType(kty) };
        if (curve is null)
        {
            policy.KeySize = bits;
        }
        else
        {
            policy.KeyCurveName = new CertificateKeyCurveName(curve);
        }

        CertificateOperation operation = await Vault.Certificates.StartCreateCertificateAsync(name, policy);
        CertificateRequest csr = Asn.LoadCsr(operation.Properties.Csr);
        if (curve is null)
        {
            using RSA rsa = csr.PublicKey.GetRSAPublicKey() ?? throw new Xunit.Sdk.XunitException("not an RSA key");
            Assert.Equal(bits, rsa.KeySize);
        }
        else
        {
            using ECDsa ec = csr.PublicKey.GetECDsaPublicKey() ?? throw new Xunit.Sdk.XunitException("not an EC key");
            Assert.Equal(bits, ec.KeySize);
        }

        // The merged certificate completes with that key.
        IReadOnlyList<byte[]> chain = await Vault.SignWithLocalCaAsync(operation.Properties.Csr);
        KeyVaultCertificateWithPolicy merged = await Vault.Certificates.MergeCertificateAsync(new MergeCertificateOptions(name, chain));
        Assert.Equal(kty, merged.Policy.KeyType.ToString());
        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(merged.Cer);
        Assert.Equal(Asn.PublicKeyOf(csr), Asn.PublicKeyOf(leaf));
    }

    [Fact]
    public async Task Merge_LeafWithOtherKey_BadParameter_NothingChanges()
    {
        string name = Names.New("mism");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.Manual("CN=mism.contoso.com"));
        RawResponse bundleBefore = await Vault.Raw.GetAsync($"/certificates/{name}");
        using var ca = new TestCa();
        using X509Certificate2 unrelated = ca.SignUnrelated("CN=mism.contoso.com");

        RawResponse refused = await Vault.Raw.PostAsync($"/certificates/{name}/pending/merge", Chains.X5c(ca.Chain(unrelated)));
        JsonObject error = KvAssert.Error(refused, HttpStatusCode.BadRequest, "BadParameter");
        Assert.StartsWith(
            "The public key of the end-entity certificate in the specified X.509 certificate content does not match the public part of the specified private key",
            error["message"]!.GetValue<string>(),
            StringComparison.Ordinal);

        RequestFailedException sdk = await Assert.ThrowsAsync<RequestFailedException>(
            () => Vault.Certificates.MergeCertificateAsync(new MergeCertificateOptions(name, ca.Chain(unrelated))));
        Assert.Equal(400, sdk.Status);
        Assert.Equal("BadParameter", sdk.ErrorCode);

        Assert.True(JsonNode.DeepEquals(created, (await Vault.GetPendingAsync(name)).Json));
        RawResponse bundleAfter = await Vault.Raw.GetAsync($"/certificates/{name}");
        Assert.True(JsonNode.DeepEquals(bundleBefore.Json, bundleAfter.Json), bundleAfter.Body);

        List<CertificateProperties> versions = await Vault.Certificates.GetPropertiesOfCertificateVersionsAsync(name).ToListAsync();

        Assert.Single(versions);
        Assert.False(versions[0].Enabled);

        // The right leaf still merges afterwards.
        using X509Certificate2 right = ca.SignPending(created);
        RawResponse merged = await Vault.Raw.PostAsync($"/certificates/{name}/pending/merge", Chains.X5c(ca.Chain(right)));
        Assert.Equal(HttpStatusCode.Created, merged.Status);
    }

    [Fact]
    public async Task Merge_ChainOrder_LeafFoundOrPreserved()
    {
        // Root first without preserveCertOrder: the vault finds the leaf by key.
        string name = Names.New("ord");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.Manual("CN=ord.contoso.com"));
        using var ca = new TestCa();
        using X509Certificate2 leaf = ca.SignPending(created);
        RawResponse merged = await Vault.Raw.PostAsync($"/certificates/{name}/pending/merge", Chains.X5c([ca.Root.RawData, leaf.RawData]));
        Assert.True(merged.Status == HttpStatusCode.Created, merged.ToString());
        Assert.Equal(leaf.RawData, Convert.FromBase64String(KvAssert.Str(merged.Json, "cer")));

        // preserveCertOrder: the certificate keeps the chain exactly as given (visible in the PEM secret).
        string kept = Names.New("ordp");
        JsonObject pemPolicy = Policies.Manual("CN=ordp.contoso.com");
        pemPolicy["secret_props"] = new JsonObject { ["contentType"] = "application/x-pem-file" };
        RawResponse createdKept = await Vault.Raw.PostAsync($"/certificates/{kept}/create", new JsonObject { ["policy"] = pemPolicy, ["preserveCertOrder"] = true });
        Assert.Equal(HttpStatusCode.Accepted, createdKept.Status);
        using X509Certificate2 keptLeaf = ca.SignPending(createdKept.Json);
        JsonObject body = Chains.X5c([keptLeaf.RawData, ca.Root.RawData]);
        body["preserveCertOrder"] = true;
        RawResponse mergedKept = await Vault.Raw.PostAsync($"/certificates/{kept}/pending/merge", body);
        Assert.True(mergedKept.Status == HttpStatusCode.Created, mergedKept.ToString());
        Assert.Equal(keptLeaf.RawData, Convert.FromBase64String(KvAssert.Str(mergedKept.Json, "cer")));

        KeyVaultSecret secret = await Vault.Secrets.GetSecretAsync(kept);
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(secret.Value);
        Assert.Equal([keptLeaf.RawData, ca.Root.RawData], certificates.Select(c => c.RawData));
    }

    [Theory]
    [InlineData("application/x-pkcs12")]
    [InlineData("application/x-pem-file")]
    public async Task Secret_ExportsPrivateKeyMatchingCer_WhenExportable(string contentType)
    {
        string name = Names.New("sec");
        var policy = new CertificatePolicy("Self", "CN=secret.contoso.com") { ContentType = new CertificateContentType(contentType), Exportable = true };
        CertificateOperation operation = await Vault.Certificates.StartCreateCertificateAsync(name, policy);
        KeyVaultCertificateWithPolicy certificate = await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None);

        KeyVaultSecret secret = await Vault.Secrets.GetSecretAsync(name, certificate.Properties.Version);
        Assert.Equal(contentType, secret.Properties.ContentType);
        Assert.True(secret.Properties.Managed);

        using X509Certificate2 withKey = contentType == "application/x-pkcs12"
            ? X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(secret.Value), null)
            : X509Certificate2.CreateFromPem(secret.Value, secret.Value);
        Assert.True(withKey.HasPrivateKey);
        Assert.Equal(certificate.Cer, withKey.RawData);

        // The key really is the certificate's: sign with it, verify with the cer's public key.
        using RSA privateKey = withKey.GetRSAPrivateKey()!;
        using X509Certificate2 cer = X509CertificateLoader.LoadCertificate(certificate.Cer);
        using RSA publicKey = cer.GetRSAPublicKey()!;
        byte[] data = RandomNumberGenerator.GetBytes(64);
        byte[] signature = privateKey.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));

        // The secret of the latest version answers too, and the certificate's sid points at it.
        KeyVaultSecret latest = await Vault.Secrets.GetSecretAsync(name);
        Assert.Equal(secret.Id, latest.Id);
        Assert.Equal(certificate.SecretId.ToString().TrimEnd('/'), secret.Id.ToString().TrimEnd('/'));
    }

    [Fact]
    public async Task Secret_NeverHandsOutPrivateKey_WhenNotExportable()
    {
        string name = Names.New("nox");
        var policy = new CertificatePolicy("Self", "CN=noexport.contoso.com") { Exportable = false };
        CertificateOperation operation = await Vault.Certificates.StartCreateCertificateAsync(name, policy);
        KeyVaultCertificateWithPolicy certificate = await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        Assert.False(certificate.Policy.Exportable);

        RawResponse secret = await Vault.Raw.GetAsync($"/secrets/{name}/{certificate.Properties.Version}");
        if (secret.StatusCode >= 400)
        {
            // Refused: a Key Vault error.
            KvAssert.ClientError(secret);
        }
        else
        {
            // The live service's way: the value holds the certificate without the private key.
            Assert.Equal(HttpStatusCode.OK, secret.Status);
            string value = KvAssert.Str(secret.Json, "value");
            Assert.DoesNotContain("PRIVATE KEY", value, StringComparison.Ordinal);
            if (!value.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                using X509Certificate2 loaded = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(value), null);
                Assert.False(loaded.HasPrivateKey);
            }
        }
    }
}
