using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using KvCertPending.LocalVault.Crypto;
using KvCertPending.LocalVault.Faults;
using KvCertPending.LocalVault.Hosting;
using KvCertPending.LocalVault.Identity;
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
    private readonly VaultDatabase _database;
    private int _stopped;

    private readonly TokenIssuer _tokens;
    private readonly IdentitySettings _identity;
    private readonly FaultInjector _faults;

    private LocalVaultServer(WebApplication app, int port, X509Certificate2 tlsCertificate, string tlsPemPath, KeyFactory keys, LocalCertificateAuthority authority)
    {
        _tokens = app.Services.GetRequiredService<TokenIssuer>();
        _identity = app.Services.GetRequiredService<IdentitySettings>();
        _faults = app.Services.GetRequiredService<FaultInjector>();
        _app = app;
        _keys = keys;
        _authority = authority;
        _simulations = app.Services.GetRequiredService<Simulations>();
        _database = app.Services.GetRequiredService<VaultCore>().Database;
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

    /// <summary>The tenant of the 401 challenge and of the token endpoint <c>{VaultUri}{TenantId}/oauth2/v2.0/token</c>
    /// (use VaultUri as the credential's AuthorityHost).</summary>
    public string TenantId => _identity.TenantId;

    /// <summary>The App Service / Azure Automation style managed-identity endpoint: the value for IDENTITY_ENDPOINT.</summary>
    public Uri ManagedIdentityEndpoint => new(VaultUri, IdentitySettings.ManagedIdentityPath.TrimStart('/'));

    /// <summary>The secret for IDENTITY_HEADER (sent back as X-IDENTITY-HEADER); new at every start.</summary>
    public string ManagedIdentityHeader => _identity.ManagedIdentityHeader;

    public static async Task<LocalVaultServer> StartAsync(LocalVaultOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var softDelete = new Model.SoftDelete(options.SoftDeleteRetentionDays);
        Directory.CreateDirectory(options.DataDirectory);
        var tlsCertificate = TlsCertificateFactory.LoadOrCreate(options.DataDirectory);
        var authority = LocalCertificateAuthority.LoadOrCreate(options.DataDirectory);
        var keys = new KeyFactory(options.KeyPool);
        var tokens = TokenIssuer.LoadOrCreate(options.DataDirectory, options.TenantId, TimeProvider.System);
        try
        {
            var core = new VaultCore(new VaultDatabase(options.DataDirectory), keys, authority, options, softDelete, TimeProvider.System);
            var parts = new VaultParts(core, tokens, new IdentitySettings(options.TenantId, options.RequireIssuedTokens), new FaultInjector(), BackupProtector.LoadOrCreate(options.DataDirectory));
            var app = await BindAsync(options, tlsCertificate, parts, cancellationToken).ConfigureAwait(false);
            keys.Prime();
            return new LocalVaultServer(app.App, app.Port, tlsCertificate, Path.Combine(options.DataDirectory, TlsCertificateFactory.CertificateFileName), keys, authority);
        }
        catch
        {
            keys.Dispose();
            tokens.Dispose();
            authority.Dispose();
            tlsCertificate.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Ready keys in the pool of a key spec (<c>RSA-2048</c>, <c>EC-P-256</c>...; see <see cref="KeyPoolOptions"/>):
    /// 0 when the spec has no pool or it is empty. For benchmarks and diagnostics.
    /// </summary>
    public int KeyPoolReadyCount(string spec) => KeySpec.FromPoolName(spec) is { } parsed ? _keys.ReadyCount(parsed) : 0;

    /// <summary>Keys creates took from a pool, and keys creates had to generate themselves, since start.</summary>
    public (long Served, long Generated) KeyPoolCounts => (_keys.Served, _keys.Missed);

    /// <summary>Injects a fault into matching Key Vault requests (same as <c>POST /_localvault/faults</c>).</summary>
    public void InjectFault(VaultFault fault) => _faults.Add(fault);

    /// <summary>Removes every injected fault.</summary>
    public void ClearFaults() => _faults.Clear();

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
        _tokens.Dispose();
        _authority.Dispose();
        _database.ReleaseConnections();
    }

    /// <summary>Starts Kestrel; with port 0 a port taken between picking and binding is retried with another.</summary>
    private static async Task<(WebApplication App, int Port)> BindAsync(LocalVaultOptions options, X509Certificate2 tlsCertificate, VaultParts parts, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = options.Port == 0 ? FreePort.Pick() : options.Port;
            var app = VaultApplication.Build(options, port, tlsCertificate, parts);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                return (app, port);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                await app.DisposeAsync().ConfigureAwait(false);
                if (options.Port != 0 || attempt >= 5 || e is OperationCanceledException)
                {
                    throw;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        TlsCertificate.Dispose();
    }
}
