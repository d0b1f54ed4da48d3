using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Net.Security;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Certificates;

namespace KvCertPending.LocalVault.Tests.Core;

/// <summary>A local vault on a free port in a fresh data folder, with an SDK client that trusts exactly its TLS certificate.</summary>
public sealed class CoreVault : IAsyncDisposable
{
    private CoreVault(LocalVaultServer server, string dataDirectory)
    {
        Server = server;
        DataDirectory = dataDirectory;
        Http = new HttpClient(CreateHandler(server)) { BaseAddress = server.VaultUri };
        Client = CreateClient(new FakeCredential());
    }

    public LocalVaultServer Server { get; }

    public string DataDirectory { get; }

    public CertificateClient Client { get; }

    /// <summary>Raw HTTPS to the vault (no token unless a request adds one).</summary>
    public HttpClient Http { get; }

    public static async Task<CoreVault> StartAsync(string? dataDirectory = null, Action<LocalVaultOptions>? configure = null)
    {
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "kvcp-core-" + Guid.NewGuid().ToString("N"));
        var options = new LocalVaultOptions
        {
            Port = 0,
            DataDirectory = dataDirectory,
            RetryAfterSeconds = 0,
            LogRequests = false,
            DefaultSimulation = new IssuerSimulation(TimeSpan.FromMilliseconds(300), IssuerOutcome.Issue, HonourCancellation: true),
        };
        configure?.Invoke(options);
        var server = await LocalVaultServer.StartAsync(options);
        return new CoreVault(server, dataDirectory);
    }

    /// <summary>A CertificateClient signing in with <paramref name="credential"/> (trusting exactly the vault's TLS certificate).</summary>
    public CertificateClient CreateClient(TokenCredential credential) =>
        new(Server.VaultUri, credential, new CertificateClientOptions
        {
            DisableChallengeResourceVerification = true,
            Transport = new HttpClientTransport(CreateHandler(Server)),
        });

    public static HttpClientHandler CreateHandler(LocalVaultServer server)
    {
        var trusted = server.TlsCertificate;
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None
                || (errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate is not null && certificate.RawData.AsSpan().SequenceEqual(trusted.RawData)),
        };
    }

    /// <summary>Sends a request with a bearer token (any token is accepted).</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathOrUri, string? content = null, string? accept = null)
    {
        using var request = new HttpRequestMessage(method, pathOrUri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "x");
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        if (content is not null)
        {
            request.Content = new StringContent(content, Encoding.UTF8, "application/json");
        }

        return await Http.SendAsync(request);
    }

    /// <summary>GETs a JSON body, failing on a non-success status.</summary>
    public async Task<JsonElement> GetJsonAsync(string pathOrUri)
    {
        using var response = await SendAsync(HttpMethod.Get, pathOrUri);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.Clone();
    }

    /// <summary>Has the local CA sign a CSR through the management endpoint; returns x5c (leaf, root).</summary>
    public async Task<IEnumerable<byte[]>> SignWithLocalCaAsync(byte[] csr)
    {
        var request = JsonSerializer.Serialize(new { csr = Convert.ToBase64String(csr), validityDays = 30 });
        using var response = await Http.PostAsync("_localvault/ca/sign", new StringContent(request, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("x5c").EnumerateArray().Select(e => Convert.FromBase64String(e.GetString()!)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }

    /// <summary>Any token: the vault accepts it unless it requires tokens it issued.</summary>
    public sealed class FakeCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("local-vault-accepts-any-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}
