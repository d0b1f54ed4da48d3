using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace KvCertPending.LocalVault.Crypto;

/// <summary>
/// Generates keys, keeping a small pool of ready RSA keys per size (refilled in the background) so that
/// creates do not wait for prime generation. EC keys are generated on demand (they are fast).
/// </summary>
internal sealed class KeyFactory : IKeyFactory, IDisposable
{
    private const int PoolTarget = 2;
    private readonly ConcurrentDictionary<int, ConcurrentQueue<RSA>> _pools = new();
    private readonly ConcurrentDictionary<int, int> _refilling = new();
    private readonly CancellationTokenSource _stopping = new();

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
        if (spec.Family == KeySpec.Ec)
        {
            return Task.FromResult<AsymmetricAlgorithm>(ECDsa.Create(spec.EcCurve));
        }

        var pool = _pools.GetOrAdd(spec.RsaSize, _ => new ConcurrentQueue<RSA>());
        var key = pool.TryDequeue(out var pooled) ? pooled : null;
        Refill(spec.RsaSize, pool);
        return key is not null
            ? Task.FromResult<AsymmetricAlgorithm>(key)
            : Task.Run<AsymmetricAlgorithm>(() => RSA.Create(spec.RsaSize), cancellationToken);
    }

    /// <summary>Warms the pool for the default key size.</summary>
    public void Prime() => Refill(2048, _pools.GetOrAdd(2048, _ => new ConcurrentQueue<RSA>()));

    public void Dispose()
    {
        _stopping.Cancel();
        foreach (var pool in _pools.Values)
        {
            while (pool.TryDequeue(out var key))
            {
                key.Dispose();
            }
        }

        _stopping.Dispose();
    }

    private void Refill(int size, ConcurrentQueue<RSA> pool)
    {
        if (pool.Count >= PoolTarget || !_refilling.TryAdd(size, 0))
        {
            return;
        }

        var token = _stopping.Token;
        _ = Task.Run(
            () =>
            {
                try
                {
                    while (pool.Count < PoolTarget && !token.IsCancellationRequested)
                    {
                        pool.Enqueue(RSA.Create(size));
                    }
                }
                finally
                {
                    _refilling.TryRemove(size, out _);
                }
            },
            CancellationToken.None);
    }
}
