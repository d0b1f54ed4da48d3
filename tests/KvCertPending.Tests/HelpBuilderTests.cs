using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace KvCertPending.Tests;

/// <summary>
/// The markdown -> MAML compiler (tools/KvCertPending.HelpBuilder), run as the build runs it: the real en-US sources
/// compile; each kind of malformed source is refused with a file(line) error and no help is written.
/// </summary>
public sealed partial class HelpBuilderTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "kvcertpending-help-" + Guid.NewGuid().ToString("N"));

    public HelpBuilderTests()
    {
        Directory.CreateDirectory(Path.Combine(_work, "en-US"));
        foreach (string file in Directory.GetFiles(RepoPaths.HelpSourceDirectory))
        {
            File.Copy(file, Path.Combine(_work, "en-US", Path.GetFileName(file)));
        }

        File.Copy(RepoPaths.SourceManifest, Path.Combine(_work, "KvCertPending.psd1"));
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void CompilesTheRealSources()
    {
        (int exitCode, string output) = Build();
        Assert.True(exitCode == 0, output);
        XDocument maml = XDocument.Load(Path.Combine(_work, "out", "KvCertPending.dll-Help.xml"));
        XNamespace command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        var names = maml.Descendants(command + "details").Select(d => d.Element(command + "name")!.Value).Order().ToList();
        Assert.Equal(RepoPaths.ExportedCmdlets.Order(), names);
        Assert.All(maml.Descendants(command + "command"), c => Assert.True(c.Descendants(command + "example").Count() >= 2));
        Assert.True(File.Exists(Path.Combine(_work, "out", "about_KvCertPending.help.txt")));
    }

    public static TheoryData<string, string> Breakages() => new()
    {
        { "missing section", "KVHELP005" },
        { "wrong help file", "KVHELP001" },
        { "yaml without Required", "KVHELP047" },
        { "bad pipeline input", "KVHELP048" },
        { "syntax shows an undocumented parameter", "KVHELP071" },
        { "parameter missing from its set's syntax", "KVHELP073" },
        { "example without code", "KVHELP031" },
        { "empty synopsis", "KVHELP010" },
        { "title does not match the file", "KVHELP003" },
        { "exported cmdlet without help", "KVHELP091" },
        { "about topic too wide", "KVHELP083" },
        { "placeholder description", "KVHELP049" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public void RefusesMalformedHelp(string breakage, string expectedCode)
    {
        string file = Path.Combine(_work, "en-US", "Get-KvPendingCertificate.md");
        string text = File.ReadAllText(file).ReplaceLineEndings("\n");
        switch (breakage)
        {
            case "missing section":
                text = text.Replace("## DESCRIPTION", "## DESCRIPTIONS", StringComparison.Ordinal);
                break;
            case "wrong help file":
                text = text.Replace("external help file: KvCertPending.dll-Help.xml", "external help file: Other.dll-Help.xml", StringComparison.Ordinal);
                break;
            case "yaml without Required":
                text = FirstYaml().Replace(text, m => m.Value.Replace("Required: ", "Mandatory: ", StringComparison.Ordinal), 1);
                break;
            case "bad pipeline input":
                text = FirstYaml().Replace(text, m => Regex.Replace(m.Value, "Accept pipeline input: .*", "Accept pipeline input: Maybe"), 1);
                break;
            case "syntax shows an undocumented parameter":
                text = SyntaxBlock().Replace(text, m => m.Value.Replace("[<CommonParameters>]", "[-Bogus <String>] [<CommonParameters>]", StringComparison.Ordinal), 1);
                break;
            case "parameter missing from its set's syntax":
                text = SyntaxBlock().Replace(text, m => Regex.Replace(m.Value, @" \[-AccessToken <\w+>\]", string.Empty), 1);
                break;
            case "example without code":
                text = Regex.Replace(text, "(### Example 1:[^\n]*\n)```powershell\n[^`]*```\n", "$1", RegexOptions.None, TimeSpan.FromSeconds(5));
                break;
            case "empty synopsis":
                text = Regex.Replace(text, "## SYNOPSIS\n[^\n]+\n", "## SYNOPSIS\n", RegexOptions.None, TimeSpan.FromSeconds(5));
                break;
            case "title does not match the file":
                text = text.Replace("# Get-KvPendingCertificate\n", "# Get-KvPendingCertificates\n", StringComparison.Ordinal);
                break;
            case "exported cmdlet without help":
                File.Delete(file);
                break;
            case "placeholder description":
                text = Regex.Replace(text, "(### -CsrPath\n)[^\n]+\n", "$1{{ Fill CsrPath Description }}\n", RegexOptions.None, TimeSpan.FromSeconds(5));
                break;
            case "about topic too wide":
                File.AppendAllText(Path.Combine(_work, "en-US", "about_KvCertPending.help.txt"), new string('x', 81) + Environment.NewLine);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(breakage), breakage, "unknown breakage");
        }

        if (File.Exists(file))
        {
            File.WriteAllText(file, text);
        }

        (int exitCode, string output) = Build();
        Assert.True(exitCode == 1, output);
        Assert.Contains("KvCertPending.HelpBuilder: ", output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^.+(\(\d+\))?: error " + expectedCode + ": ", output);
        Assert.False(File.Exists(Path.Combine(_work, "out", "KvCertPending.dll-Help.xml")), "no help may be written from malformed sources");
    }

    private (int ExitCode, string Output) Build() => ProcessRunner.Run(
        ProcessRunner.Dotnet,
        [RepoPaths.HelpBuilderDll, "--source", Path.Combine(_work, "en-US"), "--output", Path.Combine(_work, "out"), "--manifest", Path.Combine(_work, "KvCertPending.psd1")],
        _work,
        TimeSpan.FromMinutes(1));

    [GeneratedRegex("```yaml\n[^`]*```")]
    private static partial Regex FirstYaml();

    [GeneratedRegex("### [^\n]+\n```\nGet-KvPendingCertificate [^\n]*\n```")]
    private static partial Regex SyntaxBlock();
}
