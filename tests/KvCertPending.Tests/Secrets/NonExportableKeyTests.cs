using System.Collections.Concurrent;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.Hosting;
using KvCertPending.Tests.Infrastructure;
using Xunit.Abstractions;

namespace KvCertPending.Tests.Secrets;

/// <summary>
/// A non-exportable key never leaves the local vault: its certificate's secret is refused (403), and no response of a
/// whole lifecycle (create, poll, CSR, merge, reads, listings, policy, versions, the refused secret) carries private key
/// material in any encoding. The same detector finds the key in an exportable certificate's secret (it can fail).
/// </summary>
public sealed class NonExportableKeyTests : IAsyncLifetime
{
    private readonly ITestOutputHelper _output;
    private readonly ConcurrentQueue<(string Request, int Status, string Body)> _responses = new();
    private SecretsVault _vault = null!;
    private CertificateClient _client = null!;

    public NonExportableKeyTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        _vault = await SecretsVault.StartAsync();
        var recorder = new Recorder(PinnedCertificate.CreateHandler(_vault.Harness.Server.TlsCertificate), _responses);
        _client = new CertificateClient(_vault.Harness.VaultUri, _vault.Credential, new CertificateClientOptions
        {
            DisableChallengeResourceVerification = true,
            Transport = new HttpClientTransport(new HttpClient(recorder)),
        });
    }

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    [Theory]
    [InlineData("Unknown", "application/x-pkcs12")]
    [InlineData("Unknown", "application/x-pem-file")]
    [InlineData("Self", "application/x-pkcs12")]
    [InlineData("Self", "application/x-pem-file")]
    public async Task NoResponseOfAWholeLifecycleCarriesTheKey(string issuer, string contentType)
    {
        var name = "nonexp-" + issuer.ToLowerInvariant() + "-" + (contentType.EndsWith("pem-file", StringComparison.Ordinal) ? "pem" : "pfx");
        var policy = new CertificatePolicy(issuer, "CN=" + name) { Exportable = false, ContentType = new CertificateContentType(contentType), KeyType = CertificateKeyType.Rsa };
        var operation = await _client.StartCreateCertificateAsync(name, policy);
        await operation.UpdateStatusAsync();
        if (issuer == "Unknown")
        {
            var csr = (await _client.GetCertificateOperationAsync(name)).Properties.Csr;
            var chain = await _vault.Harness.SignCsrAsync(csr);
            await _client.MergeCertificateAsync(new MergeCertificateOptions(name, chain));
        }
        else
        {
            await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }

        var certificate = (await _client.GetCertificateAsync(name)).Value;
        Assert.False(certificate.Policy.Exportable);
        await _client.GetCertificateVersionAsync(name, certificate.Properties.Version);
        await _client.GetCertificatePolicyAsync(name);
        await foreach (var _ in _client.GetPropertiesOfCertificatesAsync(includePending: true))
        {
        }

        await foreach (var _ in _client.GetPropertiesOfCertificateVersionsAsync(name))
        {
        }

        await _client.GetCertificateOperationAsync(name);
        var download = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => _client.DownloadCertificateAsync(name));
        Assert.Equal(403, download.Status);

        var (status, body) = await _vault.GetAsync($"/secrets/{name}");
        Assert.Equal(403, status);
        Assert.Null(PrivateKeyDetector.Find(body));
        var (versionStatus, _) = await _vault.GetAsync($"/secrets/{name}/{certificate.Properties.Version}");
        Assert.Equal(403, versionStatus);

        var responses = _responses.Where(r => r.Request.Contains(name, StringComparison.Ordinal) || r.Request.Contains("/certificates?", StringComparison.Ordinal)).ToList();
        Assert.True(responses.Count >= 8, "responses recorded: " + responses.Count);
        foreach (var (request, code, text) in responses)
        {
            Assert.True(PrivateKeyDetector.Find(text) is null, $"{request} -> {code} carries private key material");
        }

        // The vault logged nothing of it either.
        Assert.DoesNotContain(_vault.Logs.Entries, l => l.Contains("PRIVATE KEY-----", StringComparison.Ordinal));
        _output.WriteLine($"{issuer}/{contentType}: {responses.Count} responses checked ({responses.Sum(r => r.Body.Length):N0} characters): "
            + string.Join(", ", responses.Select(r => r.Request.Split('?')[0] + " " + r.Status).Distinct()));
    }

    [Fact]
    public async Task TheDetectorFindsTheKeyOfAnExportableCertificate()
    {
        foreach (var contentType in new[] { "application/x-pkcs12", "application/x-pem-file" })
        {
            var name = "exportable-" + (contentType.EndsWith("pem-file", StringComparison.Ordinal) ? "pem" : "pfx");
            var operation = await _client.StartCreateCertificateAsync(name, new CertificatePolicy("Self", "CN=" + name) { Exportable = true, ContentType = new CertificateContentType(contentType) });
            await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
            var (status, body) = await _vault.GetAsync($"/secrets/{name}");
            Assert.Equal(200, status);
            Assert.NotNull(PrivateKeyDetector.Find(body));
        }
    }

    private sealed class Recorder(HttpMessageHandler inner, ConcurrentQueue<(string, int, string)> responses) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            responses.Enqueue(($"{request.Method} {request.RequestUri!.PathAndQuery}", (int)response.StatusCode, body));
            return response;
        }
    }
}
