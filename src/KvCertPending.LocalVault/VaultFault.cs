namespace KvCertPending.LocalVault;

/// <summary>What an injected fault does to a Key Vault request (off by default; for reliability tests).</summary>
public enum VaultFaultKind
{
    /// <summary>Waits <see cref="VaultFault.Latency"/>, then handles the request normally.</summary>
    Latency,

    /// <summary>Answers 429 Throttled with <c>Retry-After</c>, without handling the request.</summary>
    Throttle,

    /// <summary>Answers 500 without handling the request.</summary>
    InternalError,

    /// <summary>Answers 503 with <c>Retry-After</c>, without handling the request.</summary>
    Unavailable,

    /// <summary>Drops the connection before the request is handled (nothing changes).</summary>
    DropBeforeHandling,

    /// <summary>Handles the request (its change is stored), then drops the connection instead of answering.</summary>
    DropAfterHandling,
}

/// <summary>
/// One injected fault: which requests (method and path prefix, both optional), what happens, and how often
/// (a rate between 0 and 1, or the next <see cref="Count"/> matching requests).
/// </summary>
public sealed record VaultFault(VaultFaultKind Kind)
{
    /// <summary>HTTP method to match (GET, POST, ...); null matches any.</summary>
    public string? Method { get; init; }

    /// <summary>Path prefix to match, e.g. <c>/certificates/web/pending</c>; null matches every Key Vault path.</summary>
    public string? PathPrefix { get; init; }

    /// <summary>Fraction of matching requests affected (0-1). Ignored when <see cref="Count"/> is set.</summary>
    public double Rate { get; init; } = 1;

    /// <summary>Affect only the next N matching requests, then the fault is spent.</summary>
    public int? Count { get; init; }

    /// <summary>Delay for <see cref="VaultFaultKind.Latency"/>.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Retry-After (seconds) sent with Throttle and Unavailable.</summary>
    public int RetryAfterSeconds { get; init; } = 1;
}
