using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace KvCertPending.LocalVault.Crypto;

/// <summary>
/// Generates keys, keeping a small pool of ready RSA keys per size (refilled in the background, one at a time) so that
/// creates do not wait for prime generation. EC keys are generated on demand (they are fast).
/// </summary>
internal sealed class KeyFactory : IKeyFactory, IDisposable
{
    private const int DefaultSize = 2048;
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
    public void Prime() => Refill(DefaultSize, _pools.GetOrAdd(DefaultSize, _ => new ConcurrentQueue<RSA>()));

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

    /// <summary>A few keys of the default size (bursts of creates); one of the rarer, slower sizes once they are used.</summary>
    private static int PoolTarget(int size) => size == DefaultSize ? 4 : 1;

    private void Refill(int size, ConcurrentQueue<RSA> pool)
    {
        if (pool.Count >= PoolTarget(size) || !_refilling.TryAdd(size, 0))
        {
            return;
        }

        var token = _stopping.Token;
        _ = Task.Run(
            () =>
            {
                try
                {
                    while (pool.Count < PoolTarget(size) && !token.IsCancellationRequested)
                    {
                        var key = RSA.Create(size);
                        if (token.IsCancellationRequested)
                        {
                            key.Dispose();
                            break;
                        }

                        pool.Enqueue(key);
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
