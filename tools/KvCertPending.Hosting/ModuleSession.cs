using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security;

namespace KvCertPending.Hosting;

/// <summary>
/// A PowerShell 7.6 runspace, hosted in-process, with the built module imported from out/KvCertPending as a user
/// would import it, pointed at one vault: <c>$VaultUri</c>, the trust setting <c>$KvCertPendingTrustedCertificate</c>
/// and an <c>-AccessToken</c> default for every Kv cmdlet are set.
/// </summary>
public sealed class ModuleSession : IDisposable
{
    /// <summary>The bearer token the session presents; the local vault accepts any token.</summary>
    public const string LocalVaultToken = "local-vault-token";

    private readonly Runspace runspace;
    private readonly StringWriter? capture;
    private readonly object gate = new();

    private ModuleSession(Runspace runspace, TextHost host, StringWriter? capture)
    {
        this.runspace = runspace;
        Host = host;
        this.capture = capture;
    }

    /// <summary>The host every script of this session writes to.</summary>
    public TextHost Host { get; }

    /// <summary>The runspace, for callers that drive a <see cref="PowerShell"/> themselves (e.g. to Stop it).</summary>
    public Runspace Runspace => runspace;

    /// <summary>
    /// Opens a session. When <paramref name="console"/> is null the host's text is captured and returned in each
    /// <see cref="ScriptResult.ConsoleText"/>; otherwise it goes to that writer (the demo passes Console.Out).
    /// </summary>
    public static ModuleSession Open(Uri vaultUri, string trustedCertificatePath, TextWriter? console = null, int width = 120)
    {
        ArgumentNullException.ThrowIfNull(vaultUri);
        if (!File.Exists(RepositoryPaths.ModuleManifest))
        {
            throw new FileNotFoundException("The module is not built: run 'dotnet build' first.", RepositoryPaths.ModuleManifest);
        }

        var capture = console is null ? new StringWriter() : null;
        var host = new TextHost(console ?? capture!, width, plainText: console is null || Console.IsOutputRedirected);
        var state = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        }

        var runspace = RunspaceFactory.CreateRunspace(host, state);
        runspace.Open();
        var session = new ModuleSession(runspace, host, capture);
        try
        {
            runspace.SessionStateProxy.SetVariable("VaultUri", vaultUri.AbsoluteUri);
            runspace.SessionStateProxy.SetVariable("KvCertPendingTrustedCertificate", trustedCertificatePath);
            runspace.SessionStateProxy.SetVariable("KvLocalVaultToken", CreateToken());
            session.Run(
                "Import-Module -Name $KvModuleManifest -ErrorAction Stop; " +
                "$PSDefaultParameterValues['*-Kv*:AccessToken'] = $KvLocalVaultToken",
                new Dictionary<string, object?> { ["KvModuleManifest"] = RepositoryPaths.ModuleManifest }).ThrowIfErrors();
            runspace.SessionStateProxy.PSVariable.Remove("KvLocalVaultToken");
            runspace.SessionStateProxy.PSVariable.Remove("KvModuleManifest");
        }
        catch
        {
            session.Dispose();
            throw;
        }

        return session;
    }

    /// <summary>Runs a script and returns its output objects and streams (errors are not rendered).</summary>
    public ScriptResult Run(string script, IReadOnlyDictionary<string, object?>? variables = null)
        => Invoke(script, variables, render: false);

    /// <summary>
    /// Runs a script the way a console does (<c>script | Out-Default</c>, errors merged into the rendered output),
    /// so <see cref="ScriptResult.ConsoleText"/> is what a user would see. Output and Errors are then empty.
    /// </summary>
    public ScriptResult Render(string script, IReadOnlyDictionary<string, object?>? variables = null)
        => Invoke(script, variables, render: true);

    /// <summary>Sets a variable in the session's global scope.</summary>
    public void SetVariable(string name, object? value) => runspace.SessionStateProxy.SetVariable(name, value);

    /// <summary>A PowerShell instance on this session's runspace, for callers that need BeginInvoke/Stop.</summary>
    public PowerShell CreatePowerShell()
    {
        var ps = PowerShell.Create();
        ps.Runspace = runspace;
        return ps;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        runspace.Dispose();
        capture?.Dispose();
    }

    private static SecureString CreateToken()
    {
        var token = new SecureString();
        foreach (var c in LocalVaultToken)
        {
            token.AppendChar(c);
        }

        token.MakeReadOnly();
        return token;
    }

    private ScriptResult Invoke(string script, IReadOnlyDictionary<string, object?>? variables, bool render)
    {
        lock (gate)
        {
            foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
            {
                runspace.SessionStateProxy.SetVariable(name, value);
            }

            var start = capture?.GetStringBuilder().Length ?? 0;
            var progressStart = Host.Progress.Count;
            using var ps = CreatePowerShell();
            ps.AddScript(script);
            if (render)
            {
                ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
                ps.AddCommand("Out-Default");
            }

            IReadOnlyList<PSObject> output;
            try
            {
                output = ps.Invoke();
            }
            catch (RuntimeException ex) when (ex.ErrorRecord is not null)
            {
                // A terminating error: report it like any other error record, as a console would.
                ps.Streams.Error.Add(ex.ErrorRecord);
                if (render)
                {
                    Host.UI.WriteErrorLine(ex.ErrorRecord.ToString());
                }

                output = [];
            }

            var text = capture is null ? string.Empty : capture.GetStringBuilder().ToString(start, capture.GetStringBuilder().Length - start);
            return new ScriptResult(
                output,
                ps.Streams.Error.ToArray(),
                ps.Streams.Warning.ToArray(),
                ps.Streams.Verbose.ToArray(),
                ps.Streams.Debug.ToArray(),
                ps.Streams.Information.ToArray(),
                Host.Progress.Skip(progressStart).ToArray(),
                text);
        }
    }
}
