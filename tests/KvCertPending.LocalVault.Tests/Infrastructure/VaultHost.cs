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

    /// <summary>Starts a vault with the tests' settings, then <paramref name="configure"/>'s (a test's own options).</summary>
    public static Task<LocalVaultServer> StartAsync(string dataDirectory, Action<LocalVaultOptions>? configure = null)
    {
        var options = new LocalVaultOptions
        {
            Port = 0,
            DataDirectory = dataDirectory,
            RetryAfterSeconds = 1,
            LogRequests = false,
            DefaultSimulation = new IssuerSimulation(ShortDelay, IssuerOutcome.Issue, HonourCancellation: true),
            SelfIssuanceDelay = ShortDelay,
        };
        configure?.Invoke(options);
        return LocalVaultServer.StartAsync(options);
    }

    /// <summary>
    /// Runs the vault process with a bad command-line setting (after --data): it must stop with exit code 2 and
    /// <paramref name="message"/> on stderr before it listens or creates its database.
    /// </summary>
    public static async Task AssertCommandLineRefusedAsync(string message, params string[] arguments)
    {
        string directory = NewDataDirectory();
        try
        {
            var (exitCode, output, error) = await Reliability.VaultProcess.RunToExitAsync(TimeSpan.FromSeconds(60), ["--data", directory, .. arguments]);
            Xunit.Assert.Equal(2, exitCode);
            Xunit.Assert.Contains(message, error, StringComparison.Ordinal);
            Xunit.Assert.DoesNotContain("listening", output, StringComparison.OrdinalIgnoreCase);
            Xunit.Assert.False(File.Exists(Path.Combine(directory, "vault.db")), "the vault started despite the bad setting");
        }
        finally
        {
            DeleteDataDirectory(directory);
        }
    }

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
