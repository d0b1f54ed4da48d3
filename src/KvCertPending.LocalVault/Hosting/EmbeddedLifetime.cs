using Microsoft.Extensions.Hosting;

namespace KvCertPending.LocalVault.Hosting;

/// <summary>
/// A host lifetime that leaves process signals alone: the vault is stopped by its owner (the command line's own
/// Ctrl+C/SIGTERM handling, or the in-process host calling StopAsync), never by a signal meant for the host process.
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
