using System.Collections.Concurrent;

namespace KvCertPending.LocalVault.Lifecycle;

/// <summary>
/// One lock per certificate name. A client operation that finds the name busy with another client operation
/// gets 409 Conflict at once (as the service answers racing operations); it waits briefly when the busy party is the
/// issuance worker, whose work is short, so a CA completing never makes a user request fail.
/// </summary>
internal sealed class NameLocks
{
    private static readonly TimeSpan WorkerWait = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, Gate> _gates = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Enters for a client operation; null when another client operation holds the name.</summary>
    public async Task<IDisposable?> TryEnterAsync(string name)
    {
        var gate = _gates.GetOrAdd(name, _ => new Gate());
        if (gate.Semaphore.Wait(0))
        {
            return new Releaser(gate);
        }

        if (gate.HeldByWorker && await gate.Semaphore.WaitAsync(WorkerWait).ConfigureAwait(false))
        {
            return new Releaser(gate);
        }

        return null;
    }

    /// <summary>Enters for the issuance worker, waiting as long as needed.</summary>
    public async Task<IDisposable> EnterForWorkerAsync(string name, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(name, _ => new Gate());
        await gate.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        gate.HeldByWorker = true;
        return new Releaser(gate);
    }

    private sealed class Gate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public volatile bool HeldByWorker;
    }

    private sealed class Releaser(Gate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.HeldByWorker = false;
                gate.Semaphore.Release();
            }
        }
    }
}
