using System.Text.RegularExpressions;

namespace KvCertPending.HelpBuilder;

/// <summary>
/// Compiles the module's platyPS markdown help (en-US/*.md) into MAML ({Module}.dll-Help.xml) and copies the
/// about_ topics next to it. Any problem in the sources is printed as an MSBuild error and fails the build.
/// Usage: KvCertPending.HelpBuilder --source en-US --output out/KvCertPending/en-US [--manifest KvCertPending.psd1] [--module KvCertPending]
/// </summary>
internal static partial class Program
{
    private const int AboutTopicWidth = 80;

    public static int Main(string[] args)
    {
        Dictionary<string, string>? options = ParseArguments(args);
        if (options is null || !options.ContainsKey("source") || !options.ContainsKey("output"))
        {
            Console.Error.WriteLine("usage: KvCertPending.HelpBuilder --source <en-US folder> --output <module en-US folder> [--manifest <psd1>] [--module <name>]");
            return 2;
        }

        string source = Path.GetFullPath(options["source"]);
        string output = Path.GetFullPath(options["output"]);
        string module = options.GetValueOrDefault("module", "KvCertPending");
        string helpFileName = module + ".dll-Help.xml";
        var diagnostics = new Diagnostics();

        if (!Directory.Exists(source))
        {
            Console.Error.WriteLine($"{source}: error KVHELP000: the help source folder does not exist.");
            return 1;
        }

        var commands = new List<CommandHelp>();
        foreach (string path in Directory.GetFiles(source, "*.md").Order(StringComparer.Ordinal))
        {
            CommandHelp? help = new MarkdownHelpReader(path, module, helpFileName, diagnostics).Read(File.ReadAllText(path));
            if (help is not null)
            {
                commands.Add(help);
            }
        }

        if (options.TryGetValue("manifest", out string? manifest))
        {
            CheckAgainstManifest(Path.GetFullPath(manifest), source, commands, diagnostics);
        }

        string[] aboutTopics = Directory.GetFiles(source, "about_*.help.txt").Order(StringComparer.Ordinal).ToArray();
        if (!aboutTopics.Any(t => Path.GetFileName(t).Equals($"about_{module}.help.txt", StringComparison.OrdinalIgnoreCase)))
        {
            diagnostics.Error(source, 0, "KVHELP080", $"about_{module}.help.txt is missing.");
        }

        foreach (string topic in aboutTopics)
        {
            CheckAboutTopic(topic, diagnostics);
        }

        if (diagnostics.HasErrors)
        {
            foreach (string error in diagnostics.Errors)
            {
                Console.Error.WriteLine(error);
            }

            Console.Error.WriteLine($"KvCertPending.HelpBuilder: {diagnostics.Errors.Count} error(s); no help written.");
            return 1;
        }

        Directory.CreateDirectory(output);
        string target = Path.Combine(output, helpFileName);
        string temporary = target + ".tmp";
        using (FileStream stream = File.Create(temporary))
        {
            MamlWriter.Write(stream, commands);
        }

        File.Move(temporary, target, overwrite: true);
        foreach (string topic in aboutTopics)
        {
            File.Copy(topic, Path.Combine(output, Path.GetFileName(topic)), overwrite: true);
        }

        Console.WriteLine($"KvCertPending.HelpBuilder: {commands.Count} cmdlet(s), {commands.Sum(c => c.Examples.Count)} example(s), {aboutTopics.Length} about topic(s) -> {output}");
        return 0;
    }

    private static Dictionary<string, string>? ParseArguments(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                return null;
            }

            options[args[i][2..]] = args[i + 1];
        }

        return options;
    }

    /// <summary>Every exported cmdlet has a help file, and every help file is an exported cmdlet.</summary>
    private static void CheckAgainstManifest(string manifest, string source, List<CommandHelp> commands, Diagnostics diagnostics)
    {
        Match match = CmdletsToExport().Match(File.ReadAllText(manifest));
        if (!match.Success)
        {
            diagnostics.Error(manifest, 0, "KVHELP090", "no CmdletsToExport = @(...) list found.");
            return;
        }

        var exported = QuotedName().Matches(match.Groups["list"].Value).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (string name in exported.Where(e => !commands.Any(c => c.Name.Equals(e, StringComparison.OrdinalIgnoreCase))))
        {
            diagnostics.Error(source, 0, "KVHELP091", $"exported cmdlet {name} has no help ({name}.md).");
        }

        foreach (CommandHelp command in commands.Where(c => !exported.Contains(c.Name)))
        {
            diagnostics.Error(command.SourcePath, 0, "KVHELP092", $"{command.Name} is not in the manifest's CmdletsToExport.");
        }
    }

    /// <summary>about_ topics are plain text read in a console: a TOPIC header and lines that fit an 80-column window.</summary>
    private static void CheckAboutTopic(string path, Diagnostics diagnostics)
    {
        string[] lines = File.ReadAllLines(path);
        string topic = Path.GetFileName(path)[..^".help.txt".Length];
        if (lines.Length < 2 || lines[0].Trim() != "TOPIC" || !lines[1].Trim().Equals(topic, StringComparison.OrdinalIgnoreCase))
        {
            diagnostics.Error(path, 1, "KVHELP081", $"an about topic starts with 'TOPIC' and then '    {topic}'.");
        }

        if (!lines.Any(l => l.Trim() == "SHORT DESCRIPTION") || !lines.Any(l => l.Trim() == "LONG DESCRIPTION"))
        {
            diagnostics.Error(path, 0, "KVHELP082", "an about topic has SHORT DESCRIPTION and LONG DESCRIPTION sections.");
        }

        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length > AboutTopicWidth)
            {
                diagnostics.Error(path, i + 1, "KVHELP083", $"line is {lines[i].Length} characters; about topics keep to {AboutTopicWidth}.");
            }

            if (lines[i].Contains('\t', StringComparison.Ordinal))
            {
                diagnostics.Error(path, i + 1, "KVHELP084", "tab character; use spaces.");
            }
        }
    }

    [GeneratedRegex(@"CmdletsToExport\s*=\s*@\((?<list>[^)]*)\)", RegexOptions.Singleline)]
    private static partial Regex CmdletsToExport();

    [GeneratedRegex(@"'(?<name>[^']+)'")]
    private static partial Regex QuotedName();
}
