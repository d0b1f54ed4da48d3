namespace KvCertPending.LocalVault;

/// <summary>
/// The pool of pre-generated private keys that lets a create answer without waiting for key generation (an RSA 2048
/// key takes tens of milliseconds, RSA 4096 seconds). One pool per key spec; keys in a pool live only in memory and
/// are written to the database only when a create takes one. A create that finds its pool empty generates its own
/// key (on the thread pool) as before: the pool only ever makes creates faster.
/// </summary>
public sealed class KeyPoolOptions
{
    /// <summary>The spec every vault fills at start (the policy default: RSA, 2048 bits).</summary>
    public const string DefaultSpec = "RSA-2048";

    /// <summary>
    /// Ready keys kept per spec, by name: <c>RSA-2048</c>, <c>RSA-3072</c>, <c>RSA-4096</c>, <c>EC-P-256</c>,
    /// <c>EC-P-384</c>, <c>EC-P-521</c>, <c>EC-P-256K</c>. 0 (or a spec not listed) keeps no pool for that spec. Defaults: RSA-2048 16, RSA-3072 4, RSA-4096 2, EC-P-256 8, EC-P-384 4, EC-P-521 4.
    /// </summary>
    public IDictionary<string, int> Sizes { get; } = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
    {
        ["RSA-2048"] = 16,
        ["RSA-3072"] = 4,
        ["RSA-4096"] = 2,
        ["EC-P-256"] = 8,
        ["EC-P-384"] = 4,
        ["EC-P-521"] = 4,
    };

    /// <summary>
    /// Specs filled as soon as the vault starts. Default: <see cref="DefaultSpec"/> only. Every other pool is filled
    /// after the first create that asks for its spec (so a vault never spends seconds on RSA 4096 keys nobody uses).
    /// </summary>
    public ISet<string> FillAtStart { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { DefaultSpec };

    /// <summary>
    /// Background threads that refill the pools at most (each generates one key at a time, the emptiest pool first).
    /// Default: one fewer than the processor count, at least one, so refilling never takes every core from requests.
    /// Whatever this says, the refills of all the vaults in one process generate at most that many keys at once.
    /// </summary>
    public int RefillThreads { get; set; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Parses <c>SPEC=N[,SPEC=N...]</c> (the command line's <c>--key-pool</c>) into <see cref="Sizes"/>.</summary>
    /// <returns>An error message, or null when every entry was valid (nothing is changed then).</returns>
    public string? SetSizes(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var parsed = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2
                || Crypto.KeySpec.FromPoolName(parts[0]) is null
                || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size)
                || size > MaxSize)
            {
                return $"'{entry}' is not SPEC=N with SPEC one of RSA-2048, RSA-3072, RSA-4096, EC-P-256, EC-P-384, EC-P-521, EC-P-256K and N from 0 to {MaxSize}.";
            }

            parsed[parts[0]] = size;
        }

        foreach (var (spec, size) in parsed)
        {
            Sizes[spec] = size;
        }

        return null;
    }

    /// <summary>The largest pool accepted for one spec.</summary>
    public const int MaxSize = 1024;
}
