namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>Starts in-process local vaults the way every test wants them: a free loopback port and short CA delays.</summary>
internal static class VaultHost
{
    /// <summary>The default simulated-CA delay in tests: short, so a lifecycle completes in well under a second.</summary>
    public static readonly TimeSpan ShortDelay = TimeSpan.FromMilliseconds(300);

    public static string NewDataDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "kvcp-vaulttests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static Task<LocalVaultServer> StartAsync(string dataDirectory) =>
        LocalVaultServer.StartAsync(new LocalVaultOptions
        {
            Port = 0,
            DataDirectory = dataDirectory,
            RetryAfterSeconds = 1,
            LogRequests = false,
            DefaultSimulation = new IssuerSimulation(ShortDelay, IssuerOutcome.Issue, HonourCancellation: true),
            SelfIssuanceDelay = ShortDelay,
        });

    public static void DeleteDataDirectory(string path)
    {
        for (int attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 4)
            {
                // SQLite may hold the file for a moment after the server stopped.
                Thread.Sleep(200);
            }
        }
    }
}
