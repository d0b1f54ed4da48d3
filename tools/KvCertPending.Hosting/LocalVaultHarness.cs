using System.Net.Http.Headers;
using System.Net.Http.Json;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault;

namespace KvCertPending.Hosting;

/// <summary>
/// An in-process local vault on a free loopback port with its own data folder, plus the clients that reach it the
/// way users do: the real Azure SDK, raw HTTPS, and PowerShell sessions with the built module.
/// </summary>
public sealed class LocalVaultHarness : IAsyncDisposable
{
    /// <summary>The api-version raw requests use.</summary>
    public const string ApiVersion = "7.6";

    private readonly bool ownsDataDirectory;
    private readonly Lazy<HttpClient> http;
    private readonly Lazy<CertificateClient> certificates;

    private LocalVaultHarness(LocalVaultServer server, string dataDirectory, bool ownsDataDirectory)
    {
        Server = server;
        DataDirectory = dataDirectory;
        this.ownsDataDirectory = ownsDataDirectory;
        http = new Lazy<HttpClient>(CreateHttpClient);
        certificates = new Lazy<CertificateClient>(CreateCertificateClient);
    }

    /// <summary>The running vault.</summary>
    public LocalVaultServer Server { get; }

    /// <summary>The vault's data folder.</summary>
    public string DataDirectory { get; }

    /// <summary>The vault's URI, e.g. https://localhost:50123/.</summary>
    public Uri VaultUri => Server.VaultUri;

    /// <summary>Raw HTTPS to the vault: trusts exactly its certificate, sends a bearer token, base address set.</summary>
    public HttpClient Http => http.Value;

    /// <summary>The unmodified Azure SDK client, configured for the local vault.</summary>
    public CertificateClient Certificates => certificates.Value;

    /// <summary>
    /// Starts a vault. Without <paramref name="dataDirectory"/> a fresh temporary folder is made and deleted on
    /// dispose; with one, the folder is kept (restart tests start a second vault on it).
    /// </summary>
    public static async Task<LocalVaultHarness> StartAsync(
        string? dataDirectory = null,
        Action<LocalVaultOptions>? configure = null,
        CancellationToken cancellationToken = default)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "kvcertpending-vault-" + Guid.NewGuid().ToString("N"));
        var options = new LocalVaultOptions { Port = 0, DataDirectory = dataDirectory, LogRequests = false };
        configure?.Invoke(options);
        var server = await LocalVaultServer.StartAsync(options, cancellationToken).ConfigureAwait(false);
        return new LocalVaultHarness(server, dataDirectory, owns);
    }

    /// <summary>A PowerShell session with the built module imported, pointed at this vault.</summary>
    public ModuleSession OpenSession(TextWriter? console = null, int width = 120)
        => ModuleSession.Open(VaultUri, Server.TlsCertificatePemPath, console, width);

    /// <summary>Creates (or replaces) an issuer object and chooses how its simulated CA behaves.</summary>
    public async Task CreateIssuerAsync(string name, string provider, IssuerSimulation simulation, CancellationToken cancellationToken = default)
    {
        Server.SetIssuerSimulation(name, simulation);
        await Certificates.CreateIssuerAsync(new CertificateIssuer(name, provider), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Has the local CA sign a CSR (DER or PEM); returns the chain, leaf first, as DER.</summary>
    public async Task<IReadOnlyList<byte[]>> SignCsrAsync(byte[] csr, int validityDays = 365, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(csr);
        using var response = await Http.PostAsJsonAsync(
            new Uri("/_localvault/ca/sign", UriKind.Relative),
            new { csr = Convert.ToBase64String(csr), validityDays },
            cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<SignResponse>(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The local CA answered with an empty body.");
        return body.X5c.Select(Convert.FromBase64String).ToArray();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (http.IsValueCreated)
        {
            http.Value.Dispose();
        }

        await Server.DisposeAsync().ConfigureAwait(false);
        if (ownsDataDirectory)
        {
            DeleteQuietly(DataDirectory);
        }
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a closing handle: the OS temp cleaner gets it later.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private HttpClient CreateHttpClient()
    {
        var client = new HttpClient(PinnedCertificate.CreateHandler(Server.TlsCertificate)) { BaseAddress = VaultUri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ModuleSession.LocalVaultToken);
        return client;
    }

    private CertificateClient CreateCertificateClient()
        => new(VaultUri, new LocalVaultToken(), new CertificateClientOptions
        {
            DisableChallengeResourceVerification = true,
            Transport = new HttpClientTransport(PinnedCertificate.CreateHandler(Server.TlsCertificate)),
        });

    private sealed record SignResponse(string[] X5c);
}
