using KvCertPending.LocalVault.Crypto;
using KvCertPending.LocalVault.Model;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Lifecycle;

/// <summary>What every lifecycle operation needs: the store, keys, the local CA, soft delete, per-name locks, the clock.</summary>
internal sealed class VaultCore
{
    public VaultCore(VaultDatabase database, IKeyFactory keys, LocalCertificateAuthority authority, LocalVaultOptions options, SoftDelete softDelete, TimeProvider time)
    {
        Database = database;
        Keys = keys;
        Authority = authority;
        Options = options;
        SoftDelete = softDelete;
        Time = time;
    }

    public VaultDatabase Database { get; }

    public IKeyFactory Keys { get; }

    public LocalCertificateAuthority Authority { get; }

    public LocalVaultOptions Options { get; }

    public SoftDelete SoftDelete { get; }

    public TimeProvider Time { get; }

    public NameLocks Locks { get; } = new();

    /// <summary>Signalled when a request becomes due earlier than the worker expects (a new create).</summary>
    public SemaphoreSlim WorkerSignal { get; } = new(0);

    public DateTimeOffset Now => Time.GetUtcNow();

    public long NowSeconds => Now.ToUnixTimeSeconds();

    public void WakeWorker()
    {
        if (WorkerSignal.CurrentCount == 0)
        {
            WorkerSignal.Release();
        }
    }
}
