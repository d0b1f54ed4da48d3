using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Security.KeyVault.Certificates;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Core;

/// <summary>CA outcomes, the pending object's shape per state, and the rules around PATCH and merge.</summary>
public sealed class LifecycleTests : IClassFixture<CoreVaultFixture>
{
    private readonly CoreVault _vault;

    public LifecycleTests(CoreVaultFixture fixture) => _vault = fixture.Vault;

    [Theory]
    [InlineData(IssuerOutcome.Fail, "Certificate issuer error")]
    [InlineData(IssuerOutcome.Reject, "Request rejected")]
    public async Task FailingIssuerEndsFailedAndThenAllowsMergeAndForbidsPatch(IssuerOutcome outcome, string code)
    {
        var name = "outcome-" + outcome.ToString().ToLowerInvariant();
        await _vault.Client.CreateIssuerAsync(new CertificateIssuer(name, "OneCertV2-PublicCA"));
        _vault.Server.SetIssuerSimulation(name, new IssuerSimulation(TimeSpan.FromMilliseconds(100), outcome, HonourCancellation: true));
        var operation = await _vault.Client.StartCreateCertificateAsync(name, new CertificatePolicy(name, "CN=" + name));

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None));
        var pending = await GetPendingJsonAsync(name);

        Assert.Equal("failed", pending.GetProperty("status").GetString());
        Assert.Equal(code, pending.GetProperty("error").GetProperty("code").GetString());
        Assert.False(pending.TryGetProperty("status_details", out _));
        Assert.False(pending.TryGetProperty("target", out _));

        var patch = await Assert.ThrowsAsync<RequestFailedException>(() => operation.CancelAsync());
        Assert.Equal(403, patch.Status);

        var merged = (await _vault.Client.MergeCertificateAsync(new MergeCertificateOptions(name, await _vault.SignWithLocalCaAsync(operation.Properties.Csr)))).Value;
        Assert.True(merged.Properties.Enabled);
        Assert.Equal("completed", (await GetPendingJsonAsync(name)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task MergeIsForbiddenWhileAnIssuerRequestIsInProgress()
    {
        await _vault.Client.CreateIssuerAsync(new CertificateIssuer("slow", "DigiCert"));
        _vault.Server.SetIssuerSimulation("slow", new IssuerSimulation(TimeSpan.FromMinutes(5), IssuerOutcome.Issue, HonourCancellation: false));
        var operation = await _vault.Client.StartCreateCertificateAsync("forbidden", new CertificatePolicy("slow", "CN=forbidden"));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() =>
            _vault.Client.MergeCertificateAsync(new MergeCertificateOptions("forbidden", [])));
        Assert.Equal(400, error.Status);

        var x5c = await _vault.SignWithLocalCaAsync(operation.Properties.Csr);
        error = await Assert.ThrowsAsync<RequestFailedException>(() => _vault.Client.MergeCertificateAsync(new MergeCertificateOptions("forbidden", x5c)));
        Assert.Equal(403, error.Status);
        Assert.Equal("Merge is forbidden on pending object created with issuer : slow while it is in progress", error.Message.Split('\n')[0]);
    }

    [Fact]
    public async Task CancellationNotHonouredStillIssues()
    {
        await _vault.Client.CreateIssuerAsync(new CertificateIssuer("stubborn", "GlobalSign"));
        _vault.Server.SetIssuerSimulation("stubborn", new IssuerSimulation(TimeSpan.FromSeconds(2), IssuerOutcome.Issue, HonourCancellation: false));
        var operation = await _vault.Client.StartCreateCertificateAsync("stubborn-one", new CertificatePolicy("stubborn", "CN=stubborn"));

        await operation.CancelAsync();
        var certificate = (await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None)).Value;

        Assert.True(operation.Properties.CancellationRequested);
        Assert.Equal("completed", operation.Properties.Status);
        Assert.NotEmpty(certificate.Cer);
    }

    [Fact]
    public async Task PendingObjectShapeHeadersAndCsrAsPkcs10()
    {
        var sans = new SubjectAlternativeNames();
        sans.DnsNames.Add("shape.example");
        sans.Emails.Add("ops@example.com");
        sans.UserPrincipalNames.Add("ops@contoso.example");
        var policy = new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=shape, OU=Ops, O=Contoso, C=US", sans);
        await _vault.Client.StartCreateCertificateAsync("shape", policy);

        using var json = await _vault.SendAsync(HttpMethod.Get, "certificates/shape/pending?api-version=7.6", accept: "application/json");
        Assert.True(json.Headers.Contains("Retry-After"));
        var body = JsonDocument.Parse(await json.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(
            ["id", "issuer", "csr", "cancellation_requested", "status", "status_details", "request_id"],
            body.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(32, body.GetProperty("request_id").GetString()!.Length);

        using var mismatch = await _vault.SendAsync(HttpMethod.Get, "certificates/shape/pending?api-version=7.6&request_id=00000000000000000000000000000000");
        Assert.Equal(HttpStatusCode.NotFound, mismatch.StatusCode);

        using var pkcs10 = await _vault.SendAsync(HttpMethod.Get, "certificates/shape/pending?api-version=7.6", accept: "application/pkcs10");
        Assert.Equal("application/pkcs10", pkcs10.Content.Headers.ContentType!.MediaType);
        var request = CertificateRequest.LoadSigningRequest(Convert.FromBase64String(await pkcs10.Content.ReadAsStringAsync()), HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        Assert.Equal("CN=shape, OU=Ops, O=Contoso, C=US", request.SubjectName.Name);
        var extension = request.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["shape.example"], extension.EnumerateDnsNames().ToArray());
    }

    [Theory]
    [InlineData("P-256")]
    [InlineData("P-384")]
    [InlineData("P-521")]
    [InlineData("P-256K")]
    public async Task EcCurvesGiveKeysOnThatCurveOrAClearRefusal(string curve)
    {
        var policy = new CertificatePolicy(WellKnownIssuerNames.Self, "CN=curve") { KeyType = CertificateKeyType.Ec, KeyCurveName = new CertificateKeyCurveName(curve) };
        CertificateOperation operation;
        try
        {
            operation = await _vault.Client.StartCreateCertificateAsync("curve-" + curve.Replace("-", string.Empty, StringComparison.Ordinal), policy);
        }
        catch (RequestFailedException e) when (curve == "P-256K")
        {
            Assert.Equal(400, e.Status);
            return;
        }

        var certificate = (await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None)).Value;
        using var x509 = X509CertificateLoader.LoadCertificate(certificate.Cer);
        using var key = x509.GetECDsaPublicKey();
        Assert.Equal(curve == "P-256K" ? 256 : int.Parse(curve[2..], System.Globalization.CultureInfo.InvariantCulture), key!.KeySize);
    }

    [Fact]
    public async Task OversizeBodyIsRefusedWithAKeyVaultError()
    {
        var big = "{\"x5c\":[\"" + new string('A', 2 * 1024 * 1024) + "\"]}";
        using var response = await _vault.SendAsync(HttpMethod.Post, "certificates/big/pending/merge?api-version=7.6", big);

        Assert.True(response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest, response.StatusCode.ToString());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("error").TryGetProperty("code", out _));
    }

    private async Task<JsonElement> GetPendingJsonAsync(string name)
    {
        return await _vault.GetJsonAsync($"certificates/{name}/pending?api-version=7.6");
    }
}
