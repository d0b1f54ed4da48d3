namespace KvCertPending.LocalVault;

/// <summary>How a local vault is hosted: where it listens, where it keeps its state, how its simulated CAs behave by default.</summary>
public sealed class LocalVaultOptions
{
    /// <summary>TCP port on loopback; 0 picks a free port.</summary>
    public int Port { get; set; }

    /// <summary>The data folder: SQLite database, TLS certificate and key, local CA root and key.</summary>
    public string DataDirectory { get; set; } = Path.Combine(Environment.CurrentDirectory, ".localvault");

    /// <summary>Listen on every interface instead of loopback only. Off unless explicitly asked for.</summary>
    public bool ListenOnAllInterfaces { get; set; }

    /// <summary>The pools of pre-generated keys that let a create answer without generating a key (sizes, refill).</summary>
    public KeyPoolOptions KeyPool { get; set; } = new();

    /// <summary>Retry-After (seconds) sent on the create 202 and on GET pending while inProgress.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Added to every Key Vault request, as a real vault across a network would add (benchmarks). Default none.</summary>
    public TimeSpan ResponseLatency { get; set; }

    /// <summary>
    /// When true, a Key Vault request must carry a token this vault issued (its token or managed-identity endpoints),
    /// unexpired and for https://vault.azure.net; anything else gets the 401 challenge. Default false: any bearer token.
    /// </summary>
    public bool RequireIssuedTokens { get; set; }

    /// <summary>The tenant of the vault's 401 challenge and of its token endpoint.</summary>
    public string TenantId { get; set; } = Identity.IdentitySettings.DefaultTenantId;

    /// <summary>
    /// One Information log line per request (method, path, status, time; never headers or bodies). On for the command
    /// line; in-process hosts set it false so only warnings and errors are logged.
    /// </summary>
    public bool LogRequests { get; set; } = true;

    /// <summary>
    /// An extra log sink for in-process hosts (tests that read what the vault logs). It receives every level, Trace up,
    /// from every category, whatever <see cref="LogRequests"/> says; the console keeps its usual levels. Default none.
    /// </summary>
    public Microsoft.Extensions.Logging.ILoggerProvider? LoggerProvider { get; set; }

    /// <summary>
    /// How long a Self request stays inProgress before it is signed (Azure: 10-25 s). Long enough that a GET right after
    /// the create sees inProgress and a cancel can still land; PUT /_localvault/simulations/Self changes it at run time.
    /// </summary>
    public TimeSpan SelfIssuanceDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a deleted certificate stays recoverable, in days: 90 (the default) is recoveryLevel
    /// Recoverable+Purgeable, 7-89 CustomizedRecoverable+Purgeable. Null or 0: no soft delete (recoveryLevel
    /// Purgeable): a delete is final and the name is free at once. Anything else stops the start.
    /// </summary>
    public int? SoftDeleteRetentionDays { get; set; } = 90;

    /// <summary>The simulation used by a named issuer that has none of its own.</summary>
    public IssuerSimulation DefaultSimulation { get; set; } = new(TimeSpan.FromSeconds(2), IssuerOutcome.Issue, HonourCancellation: true);
}

/// <summary>What a simulated certificate authority does with a request once its delay has passed.</summary>
public enum IssuerOutcome
{
    /// <summary>Signs the CSR: the pending object becomes completed.</summary>
    Issue,

    /// <summary>The provider fails: status failed, error code "Certificate issuer error".</summary>
    Fail,

    /// <summary>The provider refuses the request: status failed, error code "Request rejected".</summary>
    Reject,
}

/// <summary>The behaviour of one simulated issuer: delay before the CA answers, its answer, and whether it honours cancellation.</summary>
public sealed record IssuerSimulation(TimeSpan Delay, IssuerOutcome Outcome, bool HonourCancellation);
