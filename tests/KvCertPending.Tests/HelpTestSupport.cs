using System.Collections;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Xml.Linq;
using KvCertPending.Hosting;
using Xunit;

namespace KvCertPending.Tests;

/// <summary>Where things are in the repository and in the assembled module, for the help, manifest and package tests.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string ModuleDirectory => Path.Combine(Root, "out", "KvCertPending");

    public static string BuiltManifest => Path.Combine(ModuleDirectory, "KvCertPending.psd1");

    public static string SourceManifest => Path.Combine(Root, "KvCertPending.psd1");

    public static string HelpSourceDirectory => Path.Combine(Root, "en-US");

    /// <summary>Debug or Release: the configuration this test assembly was built with (bin/{Configuration}/net10.0/).</summary>
    public static string Configuration =>
        new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public static string HelpBuilderDll =>
        Path.Combine(Root, "tools", "KvCertPending.HelpBuilder", "bin", Configuration, "net10.0", "KvCertPending.HelpBuilder.dll");

    /// <summary>VersionPrefix from Directory.Build.props: the one version of the product.</summary>
    public static string VersionPrefix =>
        XDocument.Load(Path.Combine(Root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value.Trim();

    /// <summary>The cmdlets the source manifest exports (CmdletsToExport), read with the PowerShell parser.</summary>
    public static IReadOnlyList<string> ExportedCmdlets =>
        ((IEnumerable)ManifestData.Read(SourceManifest)["CmdletsToExport"]!).Cast<object>().Select(o => o.ToString()!).ToList();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KvCertPending.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("KvCertPending.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Reads a .psd1 as data, the way Import-PowerShellDataFile does (the AST's SafeGetValue: no code runs).</summary>
internal static class ManifestData
{
    public static Hashtable Read(string path)
    {
        ScriptBlockAst ast = Parser.ParseFile(path, out _, out ParseError[] errors);
        Assert.Empty(errors);
        var hashtable = ast.Find(a => a is HashtableAst, searchNestedScriptBlocks: false) as HashtableAst;
        Assert.NotNull(hashtable);
        return (Hashtable)hashtable.SafeGetValue();
    }
}

/// <summary>
/// The lead's hosted PowerShell 7.6 session (tools/KvCertPending.Hosting: core cmdlets only, the built module imported
/// from out/KvCertPending as a user imports it), for metadata and help checks that need no vault.
/// </summary>
public sealed class ModuleRunspaceFixture : IDisposable
{
    private readonly ModuleSession _session =
        ModuleSession.Open(new Uri("https://localhost:1/"), Path.Combine(RepoPaths.Root, "no-vault-needed.pem"));

    /// <summary>Runs a script with positional arguments ($args[0] ...); fails the test on any error.</summary>
    public Collection<PSObject> Invoke(string script, params object[] arguments)
    {
        lock (_session)
        {
            using PowerShell shell = _session.CreatePowerShell();
            shell.AddScript(script);
            foreach (object argument in arguments)
            {
                shell.AddArgument(argument);
            }

            Collection<PSObject> result = shell.Invoke();
            Assert.True(shell.Streams.Error.Count == 0,
                string.Join(Environment.NewLine, shell.Streams.Error.Select(e => e.FullyQualifiedErrorId + ": " + e)));
            return result;
        }
    }

    public void Dispose() => _session.Dispose();
}

/// <summary>Runs a program to completion and captures its output.</summary>
internal static class ProcessRunner
{
    public static (int ExitCode, string Output) Run(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan limit)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {limit}.");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The dotnet host running this test (so the same SDK is used), else dotnet from PATH.</summary>
    public static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
