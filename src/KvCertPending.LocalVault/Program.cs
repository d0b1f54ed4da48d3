using System.Globalization;
using System.Runtime.InteropServices;
using KvCertPending.LocalVault;
using KvCertPending.LocalVault.Hosting;
using KvCertPending.LocalVault.Identity;

// dotnet run --project src/KvCertPending.LocalVault -- [--port N] [--data DIR] [--all-interfaces] [--require-issued-tokens] [--response-latency-ms N] [--key-pool SPEC=N,...] [--key-pool-threads N] [--self-delay-ms N] [--soft-delete-days N]
var options = new LocalVaultOptions { Port = 0 };
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535:
            options.Port = port;
            i++;
            break;
        case "--data" when i + 1 < args.Length:
            options.DataDirectory = Path.GetFullPath(args[++i]);
            break;
        case "--all-interfaces":
            options.ListenOnAllInterfaces = true;
            break;
        case "--response-latency-ms" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var latency) && latency <= 60_000:
            options.ResponseLatency = TimeSpan.FromMilliseconds(latency);
            i++;
            break;
        case "--key-pool" when i + 1 < args.Length:
            if (options.KeyPool.SetSizes(args[++i]) is { } error)
            {
                Console.Error.WriteLine($"--key-pool: {error}");
                return 2;
            }

            break;
        case "--key-pool-threads" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var threads) && threads is >= 1 and <= 64:
            options.KeyPool.RefillThreads = threads;
            i++;
            break;
        case "--self-delay-ms" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var selfDelay) && selfDelay <= 86_400_000:
            options.SelfIssuanceDelay = TimeSpan.FromMilliseconds(selfDelay);
            i++;
            break;
        case "--soft-delete-days" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var softDeleteDays) && KvCertPending.LocalVault.Model.SoftDelete.IsValidRetention(softDeleteDays):
            options.SoftDeleteRetentionDays = softDeleteDays;
            i++;
            break;
        case "--require-issued-tokens":
            options.RequireIssuedTokens = true;
            break;
        case "--help" or "-h":
            Console.WriteLine(Usage);
            return 0;
        default:
            Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'. {Usage}");
            return 2;
    }
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

LocalVaultServer server;
try
{
    server = await LocalVaultServer.StartAsync(options, stop.Token).ConfigureAwait(false);
}
catch (IOException e)
{
    Console.Error.WriteLine($"The local vault could not start: {e.Message}");
    return 1;
}
catch (UnauthorizedAccessException e)
{
    Console.Error.WriteLine($"The local vault could not use its data folder: {e.Message}");
    return 1;
}

await using var running = server;

// The managed-identity secret (new at every start) is never printed: it goes to an owner-only file in the data folder,
// written before the URL is printed, so whoever reads the URL finds the file; the path is printed (IDENTITY_HEADER).
var headerFile = Path.Combine(Path.GetFullPath(options.DataDirectory), IdentitySettings.ManagedIdentityHeaderFileName);
PemCertificateFiles.WriteOwnerOnly(headerFile, server.ManagedIdentityHeader);
Console.WriteLine($"Local vault listening on {server.VaultUri}");
Console.WriteLine($"Data folder:              {Path.GetFullPath(options.DataDirectory)}");
Console.WriteLine($"TLS certificate (PEM):    {server.TlsCertificatePemPath}");
Console.WriteLine($"Local CA root (PEM):      {server.CaCertificatePemPath}");
Console.WriteLine($"Tenant (401 challenge):   {server.TenantId}");
Console.WriteLine($"Token endpoint:           {server.VaultUri}{server.TenantId}/oauth2/v2.0/token (AuthorityHost = {server.VaultUri})");
Console.WriteLine($"Managed identity:         IDENTITY_ENDPOINT={server.ManagedIdentityEndpoint}, IDENTITY_HEADER in {headerFile}");
Console.WriteLine(options.RequireIssuedTokens
    ? "Only tokens issued by this vault are accepted. Press Ctrl+C to stop."
    : "Any bearer token is accepted (tokens are not validated). Press Ctrl+C to stop.");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
}
catch (OperationCanceledException)
{
    // Ctrl+C: fall through to a clean stop.
}

await server.StopAsync().ConfigureAwait(false);
Console.WriteLine("Local vault stopped.");
return 0;

/// <summary>The command line.</summary>
internal partial class Program
{
    private const string Usage = "usage: KvCertPending.LocalVault [--port N] [--data DIR] [--all-interfaces] [--require-issued-tokens] [--response-latency-ms N] [--key-pool SPEC=N,...] [--key-pool-threads N] [--self-delay-ms N] [--soft-delete-days N]";
}
