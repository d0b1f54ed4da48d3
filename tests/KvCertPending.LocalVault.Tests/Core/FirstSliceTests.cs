using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Security.KeyVault.Certificates;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Core;

/// <summary>The first slice of the local vault, through the real CertificateClient over HTTPS.</summary>
public sealed class FirstSliceTests : IClassFixture<CoreVaultFixture>
{
    private readonly CoreVault _vault;

    public FirstSliceTests(CoreVaultFixture fixture) => _vault = fixture.Vault;

    [Fact]
    public async Task RequestWithoutTokenGetsTheBearerChallenge()
    {
        using var response = await _vault.Http.GetAsync("certificates/anything/pending?api-version=7.6");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("resource=\"https://vault.azure.net\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.True(Guid.TryParse(response.Headers.GetValues("x-ms-request-id").Single(), out _));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Unauthorized", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("?api-version=6.9")]
    public async Task MissingOrUnknownApiVersionIsBadParameter(string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "certificates/anything/pending" + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "x");
        using var response = await _vault.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("BadParameter", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task SelfCreateStartsInProgressAndCompletesWithASelfSignedCertificate()
    {
        var operation = await _vault.Client.StartCreateCertificateAsync("self-one", CertificatePolicy.Default);

        Assert.Equal("inProgress", operation.Properties.Status);
        Assert.False(operation.Properties.CancellationRequested);
        var certificate = (await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None)).Value;

        Assert.True(certificate.Properties.Enabled);
        using var x509 = X509CertificateLoader.LoadCertificate(certificate.Cer);
        Assert.Equal("CN=DefaultPolicy", x509.Subject);
        Assert.Equal(certificate.Properties.CreatedOn!.Value.AddSeconds(-600), certificate.Properties.NotBefore);
        Assert.Equal(CertificateKeyType.Rsa, certificate.Policy.KeyType);
        Assert.Equal(2048, certificate.Policy.KeySize);
        var pending = (await _vault.Client.GetCertificateOperationAsync("self-one"));
        Assert.Equal("completed", pending.Properties.Status);
        Assert.Equal($"https://localhost:{_vault.Server.Port}/certificates/self-one", pending.Properties.Target);
    }

    [Fact]
    public async Task ManualCreateIsMergedWithAChainSignedByTheLocalCa()
    {
        var policy = new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=manual.example, O=Contoso");
        var operation = await _vault.Client.StartCreateCertificateAsync("manual-one", policy);
        Assert.Equal("Pending certificate created. Please Perform Merge to complete the request.", operation.Properties.StatusDetails);

        var pendingBundle = (await _vault.Client.GetCertificateAsync("manual-one")).Value;
        Assert.False(pendingBundle.Properties.Enabled);
        Assert.Empty(pendingBundle.Cer ?? []);

        var x5c = await _vault.SignWithLocalCaAsync(operation.Properties.Csr);
        var merged = (await _vault.Client.MergeCertificateAsync(new MergeCertificateOptions("manual-one", x5c))).Value;
        Assert.NotNull(merged.Properties.Version);
        Assert.NotNull(merged.KeyId);

        Assert.True(merged.Properties.Enabled);
        using var leaf = X509CertificateLoader.LoadCertificate(merged.Cer);
        Assert.Equal("CN=manual.example, O=Contoso", leaf.Subject);
        Assert.Equal("completed", (await _vault.Client.GetCertificateOperationAsync("manual-one")).Properties.Status);
    }

    [Fact]
    public async Task MergeWithAnotherKeyIsRefusedAndChangesNothing()
    {
        await _vault.Client.StartCreateCertificateAsync("manual-two", new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=two"));
        var other = await _vault.Client.StartCreateCertificateAsync("manual-three", new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=three"));
        var x5c = await _vault.SignWithLocalCaAsync(other.Properties.Csr);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _vault.Client.MergeCertificateAsync(new MergeCertificateOptions("manual-two", x5c)));

        Assert.Equal(400, error.Status);
        Assert.Equal("BadParameter", error.ErrorCode);
        Assert.Equal("inProgress", (await _vault.Client.GetCertificateOperationAsync("manual-two")).Properties.Status);
    }

    [Fact]
    public async Task NamedIssuerHonouringCancellationEndsCancelled()
    {
        await _vault.Client.CreateIssuerAsync(new CertificateIssuer("mydigicert", "DigiCert") { AccountId = "acct", Password = "not-echoed" });
        _vault.Server.SetIssuerSimulation("mydigicert", new IssuerSimulation(TimeSpan.FromMinutes(5), IssuerOutcome.Issue, HonourCancellation: true));
        var operation = await _vault.Client.StartCreateCertificateAsync("issued-one", new CertificatePolicy("mydigicert", "CN=issued") { CertificateType = "OV-SSL" });

        await operation.CancelAsync();

        Assert.True(operation.Properties.CancellationRequested);
        Assert.Equal("inProgress", operation.Properties.Status);
        await Assert.ThrowsAsync<OperationCanceledException>(async () => await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None));
        Assert.Equal("cancelled", operation.Properties.Status);
        Assert.True(operation.Properties.CancellationRequested);
    }

    [Fact]
    public async Task SecondCreateWhileInProgressIsConflict()
    {
        var policy = new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=conflict");
        await _vault.Client.StartCreateCertificateAsync("conflict-one", policy);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _vault.Client.StartCreateCertificateAsync("conflict-one", policy));

        Assert.Equal(409, error.Status);
        Assert.Equal("Conflict", error.ErrorCode);
    }
}
