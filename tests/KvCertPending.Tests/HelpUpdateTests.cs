using KvCertPending.Hosting;
using Xunit;

namespace KvCertPending.Tests;

/// <summary>
/// tools/KvCertPending.HelpBuilder/Update-HelpMarkdown.ps1 (our Update-MarkdownHelp), run in the hosted engine on a copy
/// of en-US: the committed help is exactly what it writes from the module's metadata (so the two cannot drift), and it
/// restores a damaged parameter block while keeping what was written by hand.
/// </summary>
public sealed class HelpUpdateTests : IDisposable
{
    private readonly string _help = Path.Combine(Path.GetTempPath(), "kvcertpending-helpupdate-" + Guid.NewGuid().ToString("N"));

    public HelpUpdateTests()
    {
        Directory.CreateDirectory(_help);
        foreach (string file in Directory.GetFiles(RepoPaths.HelpSourceDirectory, "*.md"))
        {
            File.Copy(file, Path.Combine(_help, Path.GetFileName(file)));
        }
    }

    public void Dispose() => Directory.Delete(_help, recursive: true);

    [Fact]
    public void CommittedHelpIsWhatTheUpdaterWrites()
    {
        IReadOnlyList<string> updated = RunUpdater();
        Assert.True(updated.Count == 0, "en-US is out of date with the module; run Update-HelpMarkdown.ps1:" + Environment.NewLine + string.Join(Environment.NewLine, updated));
        foreach (string file in Directory.GetFiles(RepoPaths.HelpSourceDirectory, "*.md"))
        {
            Assert.Equal(Normalize(File.ReadAllText(file)), File.ReadAllText(Path.Combine(_help, Path.GetFileName(file))));
        }
    }

    [Fact]
    public void RestoresMetadataAndKeepsDescriptions()
    {
        string file = Path.Combine(_help, "Get-KvPendingCertificate.md");
        string original = Normalize(File.ReadAllText(file));

        // Damage: a wrong type and position, a removed parameter block (-CsrPath), a stale syntax line.
        string damaged = original
            .Replace("Type: Int32", "Type: String", StringComparison.Ordinal)
            .Replace("Get-KvPendingCertificate [-InputObject]", "Get-KvPendingCertificate [-Bogus] [-InputObject]", StringComparison.Ordinal);
        int start = damaged.IndexOf("### -CsrPath\n", StringComparison.Ordinal);
        int end = damaged.IndexOf("### -", start + 5, StringComparison.Ordinal);
        damaged = damaged.Remove(start, end - start);
        Assert.NotEqual(original, damaged);
        File.WriteAllText(file, damaged);

        Assert.Contains(RunUpdater(), line => line.EndsWith("Get-KvPendingCertificate.md", StringComparison.Ordinal));

        string restored = File.ReadAllText(file);
        Assert.Contains("### -CsrPath\n{{ Fill CsrPath Description }}\n", restored, StringComparison.Ordinal);
        string expected = original.Remove(
            original.IndexOf("### -CsrPath\n", StringComparison.Ordinal) + "### -CsrPath\n".Length,
            original[(original.IndexOf("### -CsrPath\n", StringComparison.Ordinal) + "### -CsrPath\n".Length)..].IndexOf("\n\n```yaml", StringComparison.Ordinal))
            .Insert(original.IndexOf("### -CsrPath\n", StringComparison.Ordinal) + "### -CsrPath\n".Length, "{{ Fill CsrPath Description }}");
        Assert.Equal(expected, restored);
    }

    private List<string> RunUpdater()
    {
        using ModuleSession session = ModuleSession.Open(new Uri("https://localhost:1/"), Path.Combine(RepoPaths.Root, "no-vault-needed.pem"));
        string script = Path.Combine(RepoPaths.Root, "tools", "KvCertPending.HelpBuilder", "Update-HelpMarkdown.ps1");
        ScriptResult result = session.Run(
            "& $UpdaterScript -ModulePath $UpdaterModule -HelpPath $UpdaterHelp",
            new Dictionary<string, object?> { ["UpdaterScript"] = script, ["UpdaterModule"] = RepoPaths.BuiltManifest, ["UpdaterHelp"] = _help });
        result.ThrowIfErrors();
        return result.Output.Select(o => o.ToString()).ToList();
    }

    private static string Normalize(string text) => text.ReplaceLineEndings("\n");
}
