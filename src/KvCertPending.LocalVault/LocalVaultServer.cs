using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using KvCertPending.LocalVault.Crypto;
using KvCertPending.LocalVault.Hosting;
using KvCertPending.LocalVault.Lifecycle;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault;

/// <summary>A local vault hosted in this process: Key Vault's certificate API over HTTPS on loopback.</summary>
public sealed class LocalVaultServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly KeyFactory _keys;
    private readonly LocalCertificateAuthority _authority;
    private readonly Simulations _simulations;
    private int _stopped;

    private LocalVaultServer(WebApplication app, int port, X509Certificate2 tlsCertificate, string tlsPemPath, KeyFactory keys, LocalCertificateAuthority authority)
    {
        _app = app;
        _keys = keys;
        _authority = authority;
        _simulations = app.Services.GetRequiredService<Simulations>();
        Port = port;
        VaultUri = new Uri($"https://localhost:{port}/");
        TlsCertificate = tlsCertificate;
        TlsCertificatePemPath = tlsPemPath;
    }

    /// <summary>https://localhost:{port}/</summary>
    public Uri VaultUri { get; }

    public int Port { get; }

    /// <summary>PEM of the vault's own TLS certificate (public part), in the data folder.</summary>
    public string TlsCertificatePemPath { get; }

    public X509Certificate2 TlsCertificate { get; }

    /// <summary>PEM of the local CA root that signs for simulated issuers.</summary>
    public string CaCertificatePemPath => _authority.PemPath;

    public static async Task<LocalVaultServer> StartAsync(LocalVaultOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.DataDirectory);
        var tlsCertificate = TlsCertificateFactory.LoadOrCreate(options.DataDirectory);
        var authority = LocalCertificateAuthority.LoadOrCreate(options.DataDirectory);
        var database = new VaultDatabase(options.DataDirectory);
        var keys = new KeyFactory();
        keys.Prime();
        var core = new VaultCore(database, keys, authority, options, TimeProvider.System);

        for (var attempt = 1; ; attempt++)
        {
            var port = options.Port == 0 ? FreePort.Pick() : options.Port;
            var app = VaultApplication.Build(options, port, tlsCertificate, core, keys);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                return new LocalVaultServer(app, port, tlsCertificate, Path.Combine(options.DataDirectory, TlsCertificateFactory.CertificateFileName), keys, authority);
            }
            catch (IOException e) when (options.Port == 0 && attempt < 5 && e.InnerException is SocketException or null)
            {
                // The free port was taken between picking and binding: try another.
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sets the delay, outcome and cancellation behaviour of a named issuer (durable; same as the management endpoint).</summary>
    public void SetIssuerSimulation(string issuerName, IssuerSimulation simulation)
    {
        ArgumentException.ThrowIfNullOrEmpty(issuerName);
        ArgumentNullException.ThrowIfNull(simulation);
        _simulations.Set(issuerName, simulation);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _keys.Dispose();
        _authority.Dispose();
        VaultDatabase.ReleaseConnections();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        TlsCertificate.Dispose();
    }
}
