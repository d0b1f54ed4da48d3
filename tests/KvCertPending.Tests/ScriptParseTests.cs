using System.Management.Automation.Language;
using Xunit;

namespace KvCertPending.Tests;

/// <summary>
/// Every PowerShell file in the repository parses: a fast first check in the hosted engine. The Pester suite then runs
/// the scripts for real in pwsh (build.ps1 -Task Test, the README's test command).
/// </summary>
public sealed class ScriptParseTests
{
    private static readonly string[] Extensions = [".ps1", ".psm1", ".psd1"];
    private static readonly string[] SkippedFolders = ["bin", "obj", "out", "artifacts", ".git", "TestResults", ".localvault"];

    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (string file in Find(RepoPaths.Root))
        {
            data.Add(Path.GetRelativePath(RepoPaths.Root, file).Replace('\\', '/'));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void ParsesWithoutErrors(string relativePath)
    {
        string path = Path.Combine(RepoPaths.Root, relativePath);
        Parser.ParseFile(path, out _, out ParseError[] errors);
        Assert.True(errors.Length == 0, string.Join(Environment.NewLine,
            errors.Select(e => $"{relativePath}({e.Extent.StartLineNumber},{e.Extent.StartColumnNumber}): {e.ErrorId}: {e.Message}")));
    }

    [Fact]
    public void FindsTheRepositoryScripts()
    {
        var found = Find(RepoPaths.Root).Select(f => Path.GetRelativePath(RepoPaths.Root, f).Replace('\\', '/')).ToList();
        Assert.Contains("build.ps1", found);
        Assert.Contains("KvCertPending.psd1", found);
        foreach (string cmdlet in RepoPaths.ExportedCmdlets)
        {
            Assert.Contains($"tests/Pester/{cmdlet}.Tests.ps1", found);
        }
    }

    [Fact]
    public void ReportsABrokenScript()
    {
        // The check itself can fail: an unclosed block and a bad hashtable are parse errors.
        Parser.ParseInput("function f { if ($true) { 'x' }\n@{ a = }", out _, out ParseError[] errors);
        Assert.NotEmpty(errors);
    }

    private static IEnumerable<string> Find(string directory)
    {
        foreach (string file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            if (Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
            {
                yield return file;
            }
        }

        foreach (string child in Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
        {
            if (!SkippedFolders.Contains(Path.GetFileName(child), StringComparer.OrdinalIgnoreCase))
            {
                foreach (string file in Find(child))
                {
                    yield return file;
                }
            }
        }
    }
}
