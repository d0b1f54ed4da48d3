using System.Management.Automation;
using System.Text.RegularExpressions;
using KvCertPending.Hosting;
using Xunit;

namespace KvCertPending.Tests;

/// <summary>
/// Get-Help, in the hosted PowerShell 7.6 engine with the built module imported, against the cmdlets' real metadata:
/// every exported cmdlet has a synopsis, a description and examples from the compiled MAML; every parameter the code
/// has is documented with its type, mandatory flag (per parameter set), position, pipeline input, aliases and accepted
/// values; nothing is documented that the code lacks; about_KvCertPending is found.
/// </summary>
public sealed partial class HelpContentTests : IClassFixture<ModuleRunspaceFixture>
{
    private static readonly HashSet<string> CommonParameters = new(
        Cmdlet.CommonParameters.Concat(["UseTransaction"]), StringComparer.OrdinalIgnoreCase);

    private readonly ModuleRunspaceFixture _shell;

    public HelpContentTests(ModuleRunspaceFixture shell) => _shell = shell;

    public static TheoryData<string> Cmdlets() => new(RepoPaths.ExportedCmdlets);

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void HelpHasSynopsisDescriptionAndExamples(string cmdlet)
    {
        PSObject help = Assert.Single(_shell.Invoke("Get-Help -Name $args[0] -Full", cmdlet));
        string synopsis = help.Properties["Synopsis"].Value?.ToString()?.Trim() ?? string.Empty;

        // Without MAML, PowerShell makes the synopsis up from the syntax; ours must be the markdown's sentence.
        Assert.Equal(MarkdownSynopsis(cmdlet), synopsis);
        var description = _shell.Invoke("@((Get-Help -Name $args[0] -Full).description | ForEach-Object Text)", cmdlet);
        Assert.NotEmpty(description);
        Assert.All(description, d => Assert.False(string.IsNullOrWhiteSpace(d.ToString())));

        var examples = _shell.Invoke("@((Get-Help -Name $args[0] -Examples).examples.example)", cmdlet);
        Assert.True(examples.Count >= 2, $"{cmdlet} has {examples.Count} example(s); at least two are required");
        foreach (PSObject example in examples)
        {
            Assert.Contains(cmdlet.Split('-')[0], example.Properties["code"].Value.ToString(), StringComparison.Ordinal);
            Assert.NotEmpty(_shell.Invoke("@($args[0].remarks | ForEach-Object Text | Where-Object { $_ })", example));
        }
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void EveryParameterIsDocumentedAsTheCodeDeclaresIt(string cmdlet)
    {
        var code = CodeParameters(cmdlet);
        var help = HelpParameters(cmdlet);
        var problems = new List<string>();

        foreach (string name in code.Keys.Except(help.Keys, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add($"-{name} is in the code but not in the help");
        }

        foreach (string name in help.Keys.Except(code.Keys, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add($"-{name} is documented but the cmdlet has no such parameter");
        }

        foreach ((string name, CodeParameter actual) in code)
        {
            if (!help.TryGetValue(name, out HelpParameter? documented))
            {
                continue;
            }

            if (documented.Type != actual.TypeName && documented.Type != actual.TypeFullName)
            {
                problems.Add($"-{name}: help says type {documented.Type}, code says {actual.TypeName}");
            }

            if (documented.ByValue != actual.ByValue || documented.ByPropertyName != actual.ByPropertyName)
            {
                problems.Add($"-{name}: help says pipeline input '{documented.PipelineInput}', code says ByValue={actual.ByValue}, ByPropertyName={actual.ByPropertyName}");
            }

            if (!documented.Aliases.Order().SequenceEqual(actual.Aliases.Order(), StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"-{name}: help says aliases [{string.Join(", ", documented.Aliases)}], code says [{string.Join(", ", actual.Aliases)}]");
            }

            if (!documented.AcceptedValues.Order().SequenceEqual(actual.AcceptedValues.Order(), StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"-{name}: help accepts [{string.Join(", ", documented.AcceptedValues)}], code accepts [{string.Join(", ", actual.AcceptedValues)}]");
            }

            bool mandatoryEverywhere = actual.Sets.Values.All(s => s.Mandatory);
            if (documented.Required != mandatoryEverywhere)
            {
                problems.Add($"-{name}: help says required={documented.Required}, code says mandatory in every set={mandatoryEverywhere}");
            }
        }

        Assert.True(problems.Count == 0, cmdlet + ":" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void SyntaxHasOneItemPerParameterSetWithItsMandatoryAndPositionalParameters(string cmdlet)
    {
        // The MAML syntax items do not carry set names: each set must match exactly one item by its parameter names.
        var items = _shell.Invoke(
            "foreach ($item in @((Get-Help -Name $args[0] -Full).syntax.syntaxItem)) { ,@($item.parameter | Where-Object { $_ } | ForEach-Object { '{0}|{1}|{2}' -f $_.name, $_.required, $_.position }) }",
            cmdlet)
            .Select(o => ((object[])o.BaseObject).Select(p => p.ToString()!.Split('|')).ToDictionary(p => p[0], p => (Required: bool.Parse(p[1]), Position: p[2]), StringComparer.OrdinalIgnoreCase))
            .ToList();
        var sets = _shell.Invoke(
            "$common = $args[1]; foreach ($set in (Get-Command -Name $args[0]).ParameterSets) { ,@($set.Name; $set.Parameters | Where-Object { $common -notcontains $_.Name } | ForEach-Object { '{0}|{1}|{2}' -f $_.Name, $_.IsMandatory, $_.Position }) }",
            cmdlet, CommonParameters.ToArray())
            .Select(o => (object[])o.BaseObject)
            .ToList();

        Assert.Equal(sets.Count, items.Count);
        foreach (object[] set in sets)
        {
            string setName = set[0].ToString()!;
            var parameters = set.Skip(1).Select(p => p.ToString()!.Split('|')).ToList();
            var names = parameters.Select(p => p[0]).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var match = items.Where(i => i.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase).SetEquals(names)).ToList();
            Assert.True(match.Count == 1, $"{cmdlet}, set {setName}: {match.Count} syntax items have exactly its parameters [{string.Join(", ", names.Order())}]");
            foreach (string[] parameter in parameters)
            {
                (bool required, string position) = match[0][parameter[0]];
                string expectedPosition = int.Parse(parameter[2], System.Globalization.CultureInfo.InvariantCulture) == int.MinValue ? "named" : parameter[2];
                Assert.True(bool.Parse(parameter[1]) == required, $"{cmdlet}, set {setName}, -{parameter[0]}: help says required={required}, code says {parameter[1]}");
                Assert.True(string.Equals(expectedPosition, position, StringComparison.OrdinalIgnoreCase), $"{cmdlet}, set {setName}, -{parameter[0]}: help says position {position}, code says {expectedPosition}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void FullHelpRendersInAConsole(string cmdlet)
    {
        // Rendered by the hosted console (the lead's TextHost), as a user reads it: every section and the first example.
        using ModuleSession session = ModuleSession.Open(new Uri("https://localhost:1/"), Path.Combine(RepoPaths.Root, "no-vault-needed.pem"));
        ScriptResult shown = session.Render("Get-Help -Name $HelpCmdlet -Full", new Dictionary<string, object?> { ["HelpCmdlet"] = cmdlet });
        string text = shown.ConsoleText;
        foreach (string heading in new[] { "NAME", "SYNOPSIS", "SYNTAX", "DESCRIPTION", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "Example 1:", "RELATED LINKS" })
        {
            Assert.Contains(heading, text, StringComparison.Ordinal);
        }

        Assert.Contains(MarkdownSynopsis(cmdlet), text.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("<CommonParameters>", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AboutTopicIsFound()
    {
        PSObject about = Assert.Single(_shell.Invoke("Get-Help -Name about_KvCertPending"));
        string text = about.ToString();
        Assert.Contains("about_KvCertPending", text, StringComparison.Ordinal);
        foreach (string section in new[] { "SHORT DESCRIPTION", "THE LIFECYCLE AND ITS STATES", "THE MANUAL CSR FLOW", "ISSUERS", "WAITING", "THE LOCAL VAULT", "AUTHENTICATION", "TROUBLESHOOTING" })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }

        // The topic is listed among the module's help too.
        Assert.NotEmpty(_shell.Invoke("@(Get-Help -Name about_KvCert* -Category HelpFile)"));
    }

    private Dictionary<string, CodeParameter> CodeParameters(string cmdlet)
    {
        var result = new Dictionary<string, CodeParameter>(StringComparer.OrdinalIgnoreCase);
        var rows = _shell.Invoke(
            """
            $command = Get-Command -Name $args[0]
            foreach ($set in $command.ParameterSets) {
                foreach ($p in $set.Parameters) {
                    if ($args[1] -contains $p.Name) { continue }
                    $type = $p.ParameterType
                    $element = if ($type.IsArray) { $type.GetElementType() } else { $type }
                    $values = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | ForEach-Object { $_.ValidValues })
                    if ($values.Count -eq 0 -and $element.IsEnum) { $values = [Enum]::GetNames($element) }
                    ,@($p.Name, $set.Name, $type.Name, $type.FullName, $p.IsMandatory, $p.ValueFromPipeline, $p.ValueFromPipelineByPropertyName, ($p.Aliases -join ','), ($values -join ','))
                }
            }
            """, cmdlet, CommonParameters.ToArray());
        foreach (object[] row in rows.Select(r => (object[])r.BaseObject))
        {
            string name = row[0].ToString()!;
            if (!result.TryGetValue(name, out CodeParameter? parameter))
            {
                parameter = new CodeParameter(row[2].ToString()!, row[3].ToString()!, Split(row[7]), Split(row[8]));
                result[name] = parameter;
            }

            parameter.Sets[row[1].ToString()!] = (Mandatory: (bool)row[4], ByValue: (bool)row[5], ByPropertyName: (bool)row[6]);
        }

        return result;
    }

    private Dictionary<string, HelpParameter> HelpParameters(string cmdlet)
    {
        var result = new Dictionary<string, HelpParameter>(StringComparer.OrdinalIgnoreCase);
        var rows = _shell.Invoke(
            """
            foreach ($p in @((Get-Help -Name $args[0] -Full).parameters.parameter | Where-Object { $_ })) {
                ,@($p.name, $p.type.name, $p.required, $p.pipelineInput, $p.aliases, (@($p.parameterValueGroup.parameterValue) -join ','))
            }
            """, cmdlet);
        foreach (object[] row in rows.Select(r => (object[])r.BaseObject))
        {
            string aliases = row[4]?.ToString() ?? "none";
            result[row[0].ToString()!] = new HelpParameter(
                row[1]?.ToString() ?? string.Empty,
                bool.Parse(row[2].ToString()!),
                row[3]?.ToString() ?? string.Empty,
                aliases == "none" ? [] : Split(aliases),
                Split(row[5]));
        }

        return result;
    }

    private static string[] Split(object? value) =>
        (value?.ToString() ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string MarkdownSynopsis(string cmdlet)
    {
        string markdown = File.ReadAllText(Path.Combine(RepoPaths.HelpSourceDirectory, cmdlet + ".md")).ReplaceLineEndings("\n");
        return SynopsisSection().Match(markdown).Groups["text"].Value.Trim();
    }

    [GeneratedRegex(@"## SYNOPSIS\n(?<text>[^#]+)\n## ")]
    private static partial Regex SynopsisSection();

    private sealed record CodeParameter(string TypeName, string TypeFullName, string[] Aliases, string[] AcceptedValues)
    {
        public Dictionary<string, (bool Mandatory, bool ByValue, bool ByPropertyName)> Sets { get; } = new(StringComparer.OrdinalIgnoreCase);

        public bool ByValue => Sets.Values.Any(s => s.ByValue);

        public bool ByPropertyName => Sets.Values.Any(s => s.ByPropertyName);
    }

    private sealed record HelpParameter(string Type, bool Required, string PipelineInput, string[] Aliases, string[] AcceptedValues)
    {
        public bool ByValue => PipelineInput.StartsWith("True", StringComparison.OrdinalIgnoreCase) && PipelineInput.Contains("ByValue", StringComparison.OrdinalIgnoreCase);

        public bool ByPropertyName => PipelineInput.StartsWith("True", StringComparison.OrdinalIgnoreCase) && PipelineInput.Contains("ByPropertyName", StringComparison.OrdinalIgnoreCase);
    }
}
