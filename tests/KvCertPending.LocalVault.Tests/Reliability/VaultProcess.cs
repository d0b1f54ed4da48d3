using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;

namespace KvCertPending.LocalVault.Tests.Reliability;

/// <summary>
/// The local vault as a separate process (the built KvCertPending.LocalVault.dll run with dotnet, exactly as
/// `dotnet run` would), so a test can SIGKILL it. It listens on a free loopback port; the URL and the TLS
/// certificate's path are read from what it prints at start.
/// </summary>
internal sealed class VaultProcess : IDisposable
{
    private const string ListeningPrefix = "Local vault listening on ";
    private const string TlsPrefix = "TLS certificate (PEM):";

    private readonly Process process;
    private readonly List<string> lines;

    private VaultProcess(Process process, List<string> lines, Uri vaultUri, X509Certificate2 tlsCertificate)
    {
        this.process = process;
        this.lines = lines;
        VaultUri = vaultUri;
        TlsCertificate = tlsCertificate;
    }

    public Uri VaultUri { get; }

    public X509Certificate2 TlsCertificate { get; }

    public int Id => process.Id;

    /// <summary>What the process has printed so far (stdout; stderr lines start with "stderr: ").</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (lines)
            {
                return lines.ToArray();
            }
        }
    }

    /// <summary>Starts the vault on a free port in <paramref name="dataDirectory"/>, with more command-line arguments if given.</summary>
    public static async Task<VaultProcess> StartAsync(string dataDirectory, params string[] arguments)
    {
        ProcessStartInfo start = StartInfo(["--port", "0", "--data", dataDirectory, .. arguments]);

        var lines = new List<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        string? tlsPath = null;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            if (e.Data.StartsWith(TlsPrefix, StringComparison.Ordinal))
            {
                tlsPath = e.Data[TlsPrefix.Length..].Trim();
            }
            else if (e.Data.StartsWith(ListeningPrefix, StringComparison.Ordinal))
            {
                listening.TrySetResult(new Uri(e.Data[ListeningPrefix.Length..].Trim()));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (lines)
                {
                    lines.Add("stderr: " + e.Data);
                }
            }
        };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("the vault process exited: " + string.Join(" | ", lines)));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            Uri uri = await listening.Task.WaitAsync(TimeSpan.FromSeconds(90)).ConfigureAwait(false);

            // The TLS line follows the URL line; wait (bounded) until it has been read.
            for (int i = 0; i < 200 && tlsPath is null; i++)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }

            string pem = await File.ReadAllTextAsync(tlsPath ?? Path.Combine(dataDirectory, "tls-certificate.pem")).ConfigureAwait(false);
            return new VaultProcess(process, lines, uri, X509Certificate2.CreateFromPem(pem));
        }
        catch
        {
            KillAndWait(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Runs the vault with these arguments until it exits by itself (bounded by <paramref name="limit"/>): its exit code and what it wrote.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunToExitAsync(TimeSpan limit, params string[] arguments)
    {
        using Process process = Process.Start(StartInfo(arguments))!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            KillAndWait(process);
            throw;
        }

        return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill() => KillAndWait(process);

    public void Dispose()
    {
        KillAndWait(process);
        process.Dispose();
        TlsCertificate.Dispose();
    }

    /// <summary>The built KvCertPending.LocalVault.dll run with dotnet (as `dotnet run` would), its output redirected.</summary>
    private static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        string host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "KvCertPending.LocalVault.dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static void KillAndWait(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.WaitForExit(30_000);
    }
}
