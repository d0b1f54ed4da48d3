using Microsoft.Extensions.Hosting;

namespace KvCertPending.LocalVault.Lifecycle;

/// <summary>
/// Drives due CA requests to their answer. Work lives in the database (due time per request), so after a restart
/// the worker simply picks up where the previous process stopped.
/// </summary>
internal sealed partial class IssuanceWorker : BackgroundService
{
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(1);
    private readonly VaultCore _core;
    private readonly ILogger<IssuanceWorker> _logger;

    public IssuanceWorker(VaultCore core, ILogger<IssuanceWorker> logger)
    {
        _core = core;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ProcessDueAsync(stoppingToken).ConfigureAwait(false);
                var next = _core.Database.Read(tx => tx.NextDueAtMs());
                var wait = next is { } due
                    ? TimeSpan.FromMilliseconds(Math.Clamp(due - _core.Now.ToUnixTimeMilliseconds(), 0, IdleWait.TotalMilliseconds))
                    : IdleWait;
                if (wait > TimeSpan.Zero)
                {
                    await _core.WorkerSignal.WaitAsync(wait, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailure(_logger, e);
                await Task.Delay(IdleWait, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ProcessDueAsync(CancellationToken stoppingToken)
    {
        var names = _core.Database.Read(tx => tx.DuePendingNames(_core.Now.ToUnixTimeMilliseconds()));
        foreach (var name in names)
        {
            using var held = await _core.Locks.EnterForWorkerAsync(name, stoppingToken).ConfigureAwait(false);
            _core.Database.Write(tx =>
            {
                var pending = tx.GetPending(name);
                var now = _core.Now;
                if (pending is { IsInProgress: true, DueAtMs: { } due } && due <= now.ToUnixTimeMilliseconds())
                {
                    try
                    {
                        Issuance.Answer(tx, pending, _core.Authority, now);
                    }
                    catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException or InvalidOperationException)
                    {
                        // A request the CA cannot process fails like a provider error instead of being retried forever.
                        LogFailure(_logger, e);
                        Issuance.Fail(tx, pending, e.Message);
                    }
                }

                return 0;
            });
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The issuance worker failed; it will retry.")]
    private static partial void LogFailure(ILogger logger, Exception exception);
}
