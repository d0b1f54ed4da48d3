using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace KvCertPending.LocalVault.Crypto;

/// <summary>
/// Generates keys, serving them from pools of ready keys per spec (<see cref="KeyPoolOptions"/>). Taking a key is a
/// lock-free dequeue: a request never waits for the refill. Taking a key (or asking for a spec whose pool is empty)
/// wakes the refill, which runs on at most <see cref="KeyPoolOptions.RefillThreads"/> dedicated background threads,
/// each generating one key at a time for the emptiest pool. Keys in a pool live only in memory.
/// </summary>
internal sealed class KeyFactory : IKeyFactory, IDisposable
{
    /// <summary>
    /// Keys generated at once by the refills of every vault in this process (tests host several): one fewer than the
    /// processor count, at least one, whatever each vault's <see cref="KeyPoolOptions.RefillThreads"/> allows.
    /// </summary>
    private static readonly SemaphoreSlim ProcessGate = new(Math.Max(1, Environment.ProcessorCount - 1));

    private readonly Dictionary<string, Pool> _pools = new(StringComparer.OrdinalIgnoreCase);
    private readonly int _maxWorkers;
    private readonly CancellationTokenSource _stopping = new();
    private int _workers;
    private long _served;
    private long _missed;

    public KeyFactory(KeyPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _maxWorkers = Math.Max(1, options.RefillThreads);
        foreach (var (name, size) in options.Sizes)
        {
            if (size > 0 && KeySpec.FromPoolName(name) is { } spec && SupportsCurveOrRsa(spec))
            {
                _pools[spec.PoolName] = new Pool(spec, Math.Min(size, KeyPoolOptions.MaxSize), options.FillAtStart.Contains(name));
            }
        }
    }

    /// <summary>Keys served from a pool since start.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>Keys a create had to generate itself (its pool was empty, or it has none).</summary>
    public long Missed => Interlocked.Read(ref _missed);

    /// <summary>Ready keys in the pool of <paramref name="spec"/> (0 when it has none).</summary>
    public int ReadyCount(KeySpec spec) => _pools.TryGetValue(spec.PoolName, out var pool) ? pool.Ready.Count : 0;

    public static bool SupportsCurve(KeySpec spec)
    {
        try
        {
            using var key = ECDsa.Create(spec.EcCurve);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException)
        {
            return false;
        }
    }

    public Task<AsymmetricAlgorithm> CreateAsync(KeySpec spec, CancellationToken cancellationToken)
    {
        if (_pools.TryGetValue(spec.PoolName, out var pool))
        {
            pool.Active = true;
            var taken = pool.Ready.TryDequeue(out var key);
            Refill();
            if (taken)
            {
                Interlocked.Increment(ref _served);
                return Task.FromResult(key!);
            }
        }

        Interlocked.Increment(ref _missed);
        return spec.Family == KeySpec.Ec
            ? Task.FromResult(Generate(spec))
            : Task.Run(() => Generate(spec), cancellationToken);
    }

    /// <summary>Starts filling the pools named in <see cref="KeyPoolOptions.FillAtStart"/>.</summary>
    public void Prime() => Refill();

    public void Dispose()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        foreach (var pool in _pools.Values)
        {
            Drain(pool);
        }
    }

    private static bool SupportsCurveOrRsa(KeySpec spec) => spec.Family == KeySpec.Rsa || SupportsCurve(spec);

    /// <summary>
    /// A key whose generation is done. <c>RSA.Create(bits)</c> and <c>ECDsa.Create(curve)</c> only record the size on
    /// OpenSSL and generate on first use, so a pooled key that was never used would make the request that takes it
    /// pay for the generation after all (the pool of session 1 did exactly that): exporting the public part forces it.
    /// </summary>
    private static AsymmetricAlgorithm Generate(KeySpec spec)
    {
        if (spec.Family == KeySpec.Ec)
        {
            var ec = ECDsa.Create(spec.EcCurve);
            _ = ec.ExportParameters(includePrivateParameters: false);
            return ec;
        }

        var rsa = RSA.Create(spec.RsaSize);
        _ = rsa.ExportParameters(includePrivateParameters: false);
        return rsa;
    }

    private static void Drain(Pool pool)
    {
        while (pool.Ready.TryDequeue(out var key))
        {
            key.Dispose();
        }
    }

    /// <summary>Keys still to make across the active pools, not counting those being made.</summary>
    private int Deficit()
    {
        var deficit = 0;
        foreach (var pool in _pools.Values)
        {
            if (pool.Active)
            {
                deficit += Math.Max(0, pool.Target - pool.Ready.Count - Volatile.Read(ref pool.InFlight));
            }
        }

        return deficit;
    }

    /// <summary>Starts refill threads while keys are missing and fewer threads than keys missing run (up to the bound).</summary>
    private void Refill()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var running = Volatile.Read(ref _workers);
            if (running >= _maxWorkers || Deficit() <= running)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _workers, running + 1, running) == running)
            {
                new Thread(Work) { IsBackground = true, Name = "LocalVault key pool", Priority = ThreadPriority.BelowNormal }.Start();
            }
        }
    }

    private void Work()
    {
        try
        {
            while (!_stopping.IsCancellationRequested && Reserve() is { } pool)
            {
                AsymmetricAlgorithm key;
                try
                {
                    ProcessGate.Wait(_stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Decrement(ref pool.InFlight);
                    break;
                }

                try
                {
                    key = Generate(pool.Spec);
                }
                catch (CryptographicException)
                {
                    Interlocked.Decrement(ref pool.InFlight);
                    break;
                }
                finally
                {
                    ProcessGate.Release();
                }

                pool.Ready.Enqueue(key);
                Interlocked.Decrement(ref pool.InFlight);
                if (_stopping.IsCancellationRequested)
                {
                    Drain(pool);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _workers);
        }

        // A key taken between this thread's last look and its exit must not wait for the next create.
        Refill();
    }

    /// <summary>Claims one key to make for the active pool that is least full, or null when every pool is full.</summary>
    private Pool? Reserve()
    {
        while (true)
        {
            Pool? emptiest = null;
            var lowest = 1.0;
            foreach (var pool in _pools.Values)
            {
                if (!pool.Active)
                {
                    continue;
                }

                var fill = (pool.Ready.Count + Volatile.Read(ref pool.InFlight)) / (double)pool.Target;
                if (fill < lowest)
                {
                    lowest = fill;
                    emptiest = pool;
                }
            }

            if (emptiest is null)
            {
                return null;
            }

            var inFlight = Volatile.Read(ref emptiest.InFlight);
            if (emptiest.Ready.Count + inFlight < emptiest.Target
                && Interlocked.CompareExchange(ref emptiest.InFlight, inFlight + 1, inFlight) == inFlight)
            {
                return emptiest;
            }
        }
    }

    private sealed class Pool(KeySpec spec, int target, bool active)
    {
        public KeySpec Spec { get; } = spec;

        public int Target { get; } = target;

        public ConcurrentQueue<AsymmetricAlgorithm> Ready { get; } = new();

        /// <summary>Filled by the refill: from the start, or once a create has asked for this spec.</summary>
        public volatile bool Active = active;

        public int InFlight;
    }
}
