using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace KvCertPending.HelpBuilder;

/// <summary>
/// Reads one platyPS-schema (2.0.0) cmdlet help markdown file with Markdig's parser into a <see cref="CommandHelp"/>,
/// reporting every departure from the schema instead of guessing.
/// </summary>
internal sealed partial class MarkdownHelpReader
{
    /// <summary>The H2 sections of the schema, in the order platyPS writes them. All are required.</summary>
    internal static readonly string[] Sections =
        ["SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS"];

    private static readonly string[] YamlKeys =
        ["Type", "Parameter Sets", "Aliases", "Accepted values", "Required", "Position", "Default value", "Accept pipeline input", "Accept wildcard characters"];

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();

    private readonly string _path;
    private readonly string _moduleName;
    private readonly string _helpFileName;
    private readonly Diagnostics _diagnostics;

    public MarkdownHelpReader(string path, string moduleName, string helpFileName, Diagnostics diagnostics)
    {
        _path = path;
        _moduleName = moduleName;
        _helpFileName = helpFileName;
        _diagnostics = diagnostics;
    }

    public CommandHelp? Read(string markdown)
    {
        MarkdownDocument document = Markdown.Parse(markdown, Pipeline);
        var blocks = document.ToList();
        if (blocks.Count == 0 || blocks[0] is not YamlFrontMatterBlock frontMatter)
        {
            Error(1, "KVHELP001", "the file must start with YAML front matter (external help file, Module Name, online version, schema).");
            return null;
        }

        Dictionary<string, string> meta = ReadFrontMatter(frontMatter);
        if (blocks.Count < 2 || blocks[1] is not HeadingBlock { Level: 1 } title)
        {
            Error(LineOf(frontMatter) + 1, "KVHELP002", "the front matter must be followed by '# <Cmdlet-Name>'.");
            return null;
        }

        string name = InlineText(title.Inline).Trim();
        string expectedName = Path.GetFileNameWithoutExtension(_path);
        if (!VerbNoun().IsMatch(name))
        {
            Error(LineOf(title), "KVHELP003", $"'{name}' is not a Verb-Noun cmdlet name.");
            return null;
        }

        if (!string.Equals(name, expectedName, StringComparison.Ordinal))
        {
            Error(LineOf(title), "KVHELP003", $"the title '{name}' does not match the file name '{expectedName}.md'.");
        }

        var help = new CommandHelp { Name = name, SourcePath = _path };
        CheckFrontMatter(meta, help);

        // Split the rest into H2 sections.
        var sections = new List<(string Name, HeadingBlock Heading, List<Block> Body)>();
        foreach (Block block in blocks.Skip(2))
        {
            if (block is HeadingBlock { Level: 1 } extraTitle)
            {
                Error(LineOf(extraTitle), "KVHELP004", "only one '# ' title is allowed.");
            }
            else if (block is HeadingBlock { Level: 2 } h2)
            {
                sections.Add((InlineText(h2.Inline).Trim(), h2, []));
            }
            else if (sections.Count == 0)
            {
                Error(LineOf(block), "KVHELP004", "content before '## SYNOPSIS'.");
            }
            else
            {
                sections[^1].Body.Add(block);
            }
        }

        string[] found = sections.Select(s => s.Name).ToArray();
        if (!found.SequenceEqual(Sections, StringComparer.Ordinal))
        {
            Error(sections.Count > 0 ? LineOf(sections[0].Heading) : LineOf(title), "KVHELP005",
                $"the sections must be exactly '## {string.Join("', '## ", Sections)}' in that order; found '## {string.Join("', '## ", found)}'.");
            return null;
        }

        foreach ((string sectionName, HeadingBlock heading, List<Block> body) in sections)
        {
            switch (sectionName)
            {
                case "SYNOPSIS":
                    help.Synopsis = string.Join(" ", Paragraphs(body, heading));
                    if (help.Synopsis.Length == 0)
                    {
                        Error(LineOf(heading), "KVHELP010", "the synopsis is empty.");
                    }

                    break;
                case "SYNTAX":
                    ReadSyntax(help, heading, body);
                    break;
                case "DESCRIPTION":
                    help.Description.AddRange(Paragraphs(body, heading));
                    if (help.Description.Count == 0)
                    {
                        Error(LineOf(heading), "KVHELP011", "the description is empty.");
                    }

                    break;
                case "EXAMPLES":
                    ReadExamples(help, heading, body);
                    break;
                case "PARAMETERS":
                    ReadParameters(help, heading, body);
                    break;
                case "INPUTS":
                    help.Inputs.AddRange(ReadTypes(heading, body));
                    break;
                case "OUTPUTS":
                    help.Outputs.AddRange(ReadTypes(heading, body));
                    break;
                case "NOTES":
                    help.Notes.AddRange(Paragraphs(body, heading));
                    break;
                case "RELATED LINKS":
                    ReadLinks(help, body);
                    break;
                default:
                    throw new InvalidOperationException($"Unhandled section {sectionName}.");
            }
        }

        CheckSyntaxAgainstParameters(help);
        return help;
    }

    private Dictionary<string, string> ReadFrontMatter(YamlFrontMatterBlock block)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        int line = LineOf(block);
        foreach (string raw in block.Lines.ToString().Split('\n'))
        {
            line++;
            string text = raw.TrimEnd('\r');
            if (text.Trim() is "" or "---")
            {
                continue;
            }

            int colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                Error(line, "KVHELP001", $"front matter line '{text}' is not 'key: value'.");
                continue;
            }

            meta[text[..colon].Trim()] = text[(colon + 1)..].Trim();
        }

        return meta;
    }

    private void CheckFrontMatter(Dictionary<string, string> meta, CommandHelp help)
    {
        Expect(meta, "external help file", _helpFileName);
        Expect(meta, "Module Name", _moduleName);
        Expect(meta, "schema", "2.0.0");
        if (!meta.TryGetValue("online version", out string? online))
        {
            Error(1, "KVHELP001", "front matter lacks 'online version:' (it may be empty).");
        }
        else if (online.Length > 0)
        {
            if (!Uri.TryCreate(online, UriKind.Absolute, out _))
            {
                Error(1, "KVHELP001", $"online version '{online}' is not an absolute URI.");
            }

            help.OnlineVersion = online;
        }
    }

    private void Expect(Dictionary<string, string> meta, string key, string expected)
    {
        if (!meta.TryGetValue(key, out string? value))
        {
            Error(1, "KVHELP001", $"front matter lacks '{key}: {expected}'.");
        }
        else if (!string.Equals(value, expected, StringComparison.Ordinal))
        {
            Error(1, "KVHELP001", $"front matter '{key}' is '{value}', expected '{expected}'.");
        }
    }

    private void ReadSyntax(CommandHelp help, HeadingBlock heading, List<Block> body)
    {
        foreach ((HeadingBlock h3, List<Block> content) in SplitH3(heading, body))
        {
            string title = InlineText(h3.Inline).Trim();
            bool isDefault = title.EndsWith(" (Default)", StringComparison.Ordinal);
            string setName = isDefault ? title[..^" (Default)".Length].Trim() : title;
            var code = content.OfType<FencedCodeBlock>().ToList();
            if (code.Count != 1 || content.Count != 1)
            {
                Error(LineOf(h3), "KVHELP020", $"syntax '{setName}' must hold exactly one code block and nothing else.");
                continue;
            }

            string text = code[0].Lines.ToString().Trim();
            string[] words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0 || !string.Equals(words[0], help.Name, StringComparison.Ordinal))
            {
                Error(LineOf(code[0]), "KVHELP021", $"syntax '{setName}' must start with '{help.Name}'.");
                continue;
            }

            var names = SyntaxParameter().Matches(text).Select(m => m.Groups["name"].Value).ToList();
            string? duplicate = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1)?.Key;
            if (duplicate is not null)
            {
                Error(LineOf(code[0]), "KVHELP021", $"syntax '{setName}' lists -{duplicate} twice.");
            }

            if (help.Syntax.Any(s => string.Equals(s.SetName, setName, StringComparison.OrdinalIgnoreCase)))
            {
                Error(LineOf(h3), "KVHELP020", $"parameter set '{setName}' is written twice.");
            }

            help.Syntax.Add(new SyntaxHelp(setName, isDefault, names, LineOf(h3)));
        }

        if (help.Syntax.Count == 0)
        {
            Error(LineOf(heading), "KVHELP020", "SYNTAX has no '### <ParameterSet>' with a code block.");
        }
        else if (help.Syntax.Count(s => s.IsDefault) > 1)
        {
            Error(LineOf(heading), "KVHELP020", "more than one parameter set is marked (Default).");
        }
    }

    private void ReadExamples(CommandHelp help, HeadingBlock heading, List<Block> body)
    {
        int number = 0;
        foreach ((HeadingBlock h3, List<Block> content) in SplitH3(heading, body))
        {
            number++;
            string title = InlineText(h3.Inline).Trim();
            Match match = ExampleTitle().Match(title);
            if (!match.Success || match.Groups["n"].Value != number.ToString(CultureInfo.InvariantCulture))
            {
                Error(LineOf(h3), "KVHELP030", $"example heading '{title}' must be '### Example {number}: <title>'.");
            }

            var code = content.OfType<FencedCodeBlock>().ToList();
            if (code.Count == 0)
            {
                Error(LineOf(h3), "KVHELP031", $"'{title}' has no code block.");
                continue;
            }

            if (code.Any(c => !string.Equals(c.Info, "powershell", StringComparison.OrdinalIgnoreCase)))
            {
                Error(LineOf(code[0]), "KVHELP031", $"'{title}': example code blocks must be ```powershell.");
            }

            // platyPS: code blocks make the code; paragraphs after the first code block make the remarks.
            var remarks = new List<string>();
            bool afterCode = false;
            foreach (Block block in content)
            {
                if (block is FencedCodeBlock)
                {
                    afterCode = true;
                }
                else if (afterCode)
                {
                    remarks.AddRange(BlockParagraphs(block));
                }
                else
                {
                    Error(LineOf(block), "KVHELP032", $"'{title}': put the explanation after the code block.");
                }
            }

            if (remarks.Count == 0)
            {
                Error(LineOf(h3), "KVHELP033", $"'{title}' has no remarks explaining it.");
            }

            string joined = string.Join(Environment.NewLine + Environment.NewLine, code.Select(c => c.Lines.ToString().TrimEnd()));
            help.Examples.Add(new ExampleHelp(title, joined, remarks));
        }

        if (help.Examples.Count == 0)
        {
            Error(LineOf(heading), "KVHELP030", "EXAMPLES has no example.");
        }
    }

    private void ReadParameters(CommandHelp help, HeadingBlock heading, List<Block> body)
    {
        foreach ((HeadingBlock h3, List<Block> content) in SplitH3(heading, body))
        {
            string title = InlineText(h3.Inline).Trim();
            if (title == "CommonParameters")
            {
                help.HasCommonParameters = true;
                continue;
            }

            if (!title.StartsWith('-') || !ParameterName().IsMatch(title[1..]))
            {
                Error(LineOf(h3), "KVHELP040", $"parameter heading '{title}' must be '### -<Name>' or '### CommonParameters'.");
                continue;
            }

            var parameter = new ParameterHelp { Name = title[1..], Line = LineOf(h3) };
            if (help.Parameters.Any(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)))
            {
                Error(LineOf(h3), "KVHELP040", $"parameter -{parameter.Name} is documented twice.");
                continue;
            }

            foreach (Block block in content)
            {
                if (block is FencedCodeBlock yaml)
                {
                    if (!string.Equals(yaml.Info, "yaml", StringComparison.Ordinal))
                    {
                        Error(LineOf(yaml), "KVHELP041", $"-{parameter.Name}: the metadata block must be ```yaml.");
                        continue;
                    }

                    ParameterSetUsage? usage = ReadUsage(parameter.Name, yaml);
                    if (usage is not null)
                    {
                        parameter.Usages.Add(usage);
                    }
                }
                else if (parameter.Usages.Count > 0)
                {
                    Error(LineOf(block), "KVHELP042", $"-{parameter.Name}: the description goes before the yaml block.");
                }
                else
                {
                    parameter.Description.AddRange(BlockParagraphs(block));
                }
            }

            if (parameter.Description.Count == 0)
            {
                Error(LineOf(h3), "KVHELP043", $"-{parameter.Name} has no description.");
            }
            else if (parameter.Description.Any(d => d.Contains("{{ Fill", StringComparison.Ordinal)))
            {
                Error(LineOf(h3), "KVHELP049", $"-{parameter.Name} still has the placeholder description that Update-HelpMarkdown.ps1 wrote: describe it.");
            }

            if (parameter.Usages.Count == 0)
            {
                Error(LineOf(h3), "KVHELP041", $"-{parameter.Name} has no ```yaml metadata block.");
                continue;
            }

            if (parameter.Usages.Select(u => u.TypeName).Distinct(StringComparer.Ordinal).Count() > 1)
            {
                Error(LineOf(h3), "KVHELP044", $"-{parameter.Name}: its yaml blocks disagree on Type.");
            }

            help.Parameters.Add(parameter);
        }

        if (!help.HasCommonParameters)
        {
            Error(LineOf(heading), "KVHELP045", "PARAMETERS lacks '### CommonParameters'.");
        }
    }

    private ParameterSetUsage? ReadUsage(string parameterName, FencedCodeBlock yaml)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        int line = LineOf(yaml);
        bool ok = true;
        foreach (string raw in yaml.Lines.ToString().Split('\n'))
        {
            line++;
            string text = raw.TrimEnd('\r');
            if (text.Trim().Length == 0)
            {
                continue;
            }

            int colon = text.IndexOf(':', StringComparison.Ordinal);
            string key = colon > 0 ? text[..colon].Trim() : text.Trim();
            if (colon <= 0 || !YamlKeys.Contains(key, StringComparer.Ordinal))
            {
                Error(line, "KVHELP046", $"-{parameterName}: unknown metadata line '{text}' (allowed: {string.Join(", ", YamlKeys)}).");
                ok = false;
                continue;
            }

            if (!values.TryAdd(key, text[(colon + 1)..].Trim()))
            {
                Error(line, "KVHELP046", $"-{parameterName}: '{key}' is given twice.");
                ok = false;
            }
        }

        foreach (string key in YamlKeys.Where(k => k != "Accepted values" && !values.ContainsKey(k)))
        {
            Error(LineOf(yaml), "KVHELP047", $"-{parameterName}: the yaml block lacks '{key}:'.");
            ok = false;
        }

        if (!ok)
        {
            return null;
        }

        string type = values["Type"];
        if (type.Length == 0)
        {
            Error(LineOf(yaml), "KVHELP048", $"-{parameterName}: Type is empty.");
            ok = false;
        }

        bool? required = Bool(parameterName, "Required", values["Required"], yaml);
        bool? wildcards = Bool(parameterName, "Accept wildcard characters", values["Accept wildcard characters"], yaml);
        string position = values["Position"];
        if (position != "Named" && !(int.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            Error(LineOf(yaml), "KVHELP048", $"-{parameterName}: Position '{position}' must be 'Named' or a number.");
            ok = false;
        }

        string pipeline = values["Accept pipeline input"];
        if (!PipelineInput().IsMatch(pipeline))
        {
            Error(LineOf(yaml), "KVHELP048",
                $"-{parameterName}: 'Accept pipeline input' must be False, True (ByValue), True (ByPropertyName) or True (ByPropertyName, ByValue); found '{pipeline}'.");
            ok = false;
        }

        string[] sets = List(values["Parameter Sets"]);
        if (sets.Length == 0 || (sets.Contains("(All)") && sets.Length > 1))
        {
            Error(LineOf(yaml), "KVHELP048", $"-{parameterName}: 'Parameter Sets' must be '(All)' or a list of set names.");
            ok = false;
        }

        if (!ok || required is null || wildcards is null)
        {
            return null;
        }

        return new ParameterSetUsage(
            type,
            sets,
            List(values["Aliases"]),
            values.TryGetValue("Accepted values", out string? accepted) ? List(accepted) : [],
            required.Value,
            position,
            values["Default value"].Length == 0 ? "None" : values["Default value"],
            pipeline,
            wildcards.Value);
    }

    private bool? Bool(string parameterName, string key, string value, FencedCodeBlock yaml)
    {
        switch (value)
        {
            case "True":
                return true;
            case "False":
                return false;
            default:
                Error(LineOf(yaml), "KVHELP048", $"-{parameterName}: '{key}' must be True or False; found '{value}'.");
                return null;
        }
    }

    private List<TypeHelp> ReadTypes(HeadingBlock heading, List<Block> body)
    {
        var types = new List<TypeHelp>();
        foreach ((HeadingBlock h3, List<Block> content) in SplitH3(heading, body))
        {
            types.Add(new TypeHelp(InlineText(h3.Inline).Trim(), content.SelectMany(BlockParagraphs).ToList()));
        }

        if (types.Count == 0)
        {
            Error(LineOf(heading), "KVHELP050", $"{InlineText(heading.Inline)} needs at least one '### <Type>' (use '### None' when there is none).");
        }

        return types;
    }

    private void ReadLinks(CommandHelp help, List<Block> body)
    {
        foreach (Block block in body)
        {
            IEnumerable<LeafBlock> leaves = block is ListBlock list
                ? list.OfType<ListItemBlock>().SelectMany(item => item.OfType<LeafBlock>())
                : block is LeafBlock single ? [single] : [];
            foreach (LeafBlock leaf in leaves)
            {
                var links = leaf.Inline?.Descendants<LinkInline>().ToList() ?? [];
                if (links.Count == 0)
                {
                    Error(LineOf(leaf), "KVHELP060", "RELATED LINKS holds only '[text](uri)' links.");
                }

                foreach (LinkInline link in links)
                {
                    help.RelatedLinks.Add(new LinkHelp(InlineText(link).Trim(), link.Url ?? string.Empty));
                }
            }
        }
    }

    private void CheckSyntaxAgainstParameters(CommandHelp help)
    {
        var setNames = help.Syntax.Select(s => s.SetName).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (ParameterHelp parameter in help.Parameters)
        {
            foreach (string set in parameter.Usages.SelectMany(u => u.ParameterSets).Where(s => s != "(All)"))
            {
                if (!setNames.Contains(set))
                {
                    Error(parameter.Line, "KVHELP070", $"-{parameter.Name} names parameter set '{set}', which SYNTAX does not have.");
                }
            }

            var setsUsed = parameter.Usages.SelectMany(u => u.ParameterSets).ToList();
            if (setsUsed.Count != setsUsed.Distinct(StringComparer.OrdinalIgnoreCase).Count())
            {
                Error(parameter.Line, "KVHELP070", $"-{parameter.Name}: a parameter set is named by two yaml blocks.");
            }
        }

        foreach (SyntaxHelp syntax in help.Syntax)
        {
            foreach (string name in syntax.ParameterNames)
            {
                ParameterHelp? parameter = help.Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
                if (parameter is null)
                {
                    Error(syntax.Line, "KVHELP071", $"syntax '{syntax.SetName}' shows -{name}, which PARAMETERS does not document.");
                }
                else if (parameter.For(syntax.SetName) is null)
                {
                    Error(syntax.Line, "KVHELP072", $"syntax '{syntax.SetName}' shows -{name}, whose 'Parameter Sets' do not include it.");
                }
            }

            foreach (ParameterHelp parameter in help.Parameters)
            {
                if (parameter.For(syntax.SetName) is not null
                    && !syntax.ParameterNames.Contains(parameter.Name, StringComparer.OrdinalIgnoreCase))
                {
                    Error(syntax.Line, "KVHELP073", $"syntax '{syntax.SetName}' does not show -{parameter.Name}, which is in that set.");
                }
            }
        }
    }

    private IEnumerable<(HeadingBlock Heading, List<Block> Content)> SplitH3(HeadingBlock section, List<Block> body)
    {
        var result = new List<(HeadingBlock, List<Block>)>();
        foreach (Block block in body)
        {
            if (block is HeadingBlock { Level: 3 } h3)
            {
                result.Add((h3, []));
            }
            else if (block is HeadingBlock other)
            {
                Error(LineOf(other), "KVHELP006", $"unexpected heading level {other.Level} under '## {InlineText(section.Inline)}'.");
            }
            else if (result.Count == 0)
            {
                Error(LineOf(block), "KVHELP006", $"content under '## {InlineText(section.Inline)}' must follow a '### ' heading.");
            }
            else
            {
                result[^1].Item2.Add(block);
            }
        }

        return result;
    }

    private List<string> Paragraphs(List<Block> body, HeadingBlock section)
    {
        var paragraphs = new List<string>();
        foreach (Block block in body)
        {
            if (block is HeadingBlock h)
            {
                Error(LineOf(h), "KVHELP006", $"unexpected heading under '## {InlineText(section.Inline)}'.");
                continue;
            }

            paragraphs.AddRange(BlockParagraphs(block));
        }

        return paragraphs;
    }

    /// <summary>Text paragraphs of a block: a paragraph, each item of a list ('- ' kept), or a code block kept verbatim.</summary>
    private static IEnumerable<string> BlockParagraphs(Block block) => block switch
    {
        ParagraphBlock paragraph => [InlineText(paragraph.Inline).Trim()],
        ListBlock list => list.OfType<ListItemBlock>().Select((item, i) =>
            (list.IsOrdered ? $"{i + 1}. " : "- ") + string.Join(" ", item.SelectMany(BlockParagraphs))),
        CodeBlock code => [code.Lines.ToString().TrimEnd()],
        QuoteBlock quote => quote.SelectMany(BlockParagraphs),
        ThematicBreakBlock => [],
        _ => [],
    };

    internal static string InlineText(ContainerInline? container)
    {
        if (container is null)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        foreach (Inline inline in container)
        {
            AppendInline(text, inline);
        }

        return text.ToString();
    }

    private static void AppendInline(StringBuilder text, Inline inline)
    {
        switch (inline)
        {
            case LiteralInline literal:
                text.Append(literal.Content.ToString());
                break;
            case CodeInline code:
                text.Append(code.Content);
                break;
            case LineBreakInline lineBreak:
                text.Append(lineBreak.IsHard ? Environment.NewLine : " ");
                break;
            case AutolinkInline autolink:
                text.Append(autolink.Url);
                break;
            case HtmlEntityInline entity:
                text.Append(entity.Transcoded.ToString());
                break;
            case HtmlInline html:
                text.Append(html.Tag);
                break;
            case ContainerInline container:
                foreach (Inline child in container)
                {
                    AppendInline(text, child);
                }

                break;
            default:
                text.Append(inline.ToString());
                break;
        }
    }

    private static string[] List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int LineOf(Block block) => block.Line + 1;

    private void Error(int line, string code, string message) => _diagnostics.Error(_path, line, code, message);

    [GeneratedRegex(@"^[A-Z][a-z]+-[A-Za-z]+$")]
    private static partial Regex VerbNoun();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9]*$")]
    private static partial Regex ParameterName();

    [GeneratedRegex(@"(?<=[\s\[])-(?<name>[A-Za-z][A-Za-z0-9]*)\b")]
    private static partial Regex SyntaxParameter();

    [GeneratedRegex(@"^Example (?<n>\d+): \S.*$")]
    private static partial Regex ExampleTitle();

    [GeneratedRegex(@"^(False|True \((ByValue|ByPropertyName|ByPropertyName, ByValue)\))$")]
    private static partial Regex PipelineInput();
}
