namespace KvCertPending.HelpBuilder;

/// <summary>One cmdlet's help, as read from a platyPS-schema markdown file.</summary>
internal sealed class CommandHelp
{
    public required string Name { get; init; }
    public required string SourcePath { get; init; }
    public string? OnlineVersion { get; set; }
    public string Synopsis { get; set; } = string.Empty;
    public List<string> Description { get; } = [];
    public List<SyntaxHelp> Syntax { get; } = [];
    public List<ExampleHelp> Examples { get; } = [];
    public List<ParameterHelp> Parameters { get; } = [];
    public bool HasCommonParameters { get; set; }
    public List<TypeHelp> Inputs { get; } = [];
    public List<TypeHelp> Outputs { get; } = [];
    public List<string> Notes { get; } = [];
    public List<LinkHelp> RelatedLinks { get; } = [];

    public string Verb => Name[..Name.IndexOf('-', StringComparison.Ordinal)];
    public string Noun => Name[(Name.IndexOf('-', StringComparison.Ordinal) + 1)..];
}

/// <summary>A parameter set: its name, whether it is the default, and the parameters in the order the syntax block lists them.</summary>
internal sealed record SyntaxHelp(string SetName, bool IsDefault, IReadOnlyList<string> ParameterNames, int Line);

internal sealed record ExampleHelp(string Title, string Code, IReadOnlyList<string> Remarks);

internal sealed record TypeHelp(string TypeName, IReadOnlyList<string> Description);

internal sealed record LinkHelp(string Text, string Uri);

/// <summary>One parameter. Several yaml blocks are allowed when the parameter differs by set (e.g. mandatory in one only).</summary>
internal sealed class ParameterHelp
{
    public required string Name { get; init; }
    public required int Line { get; init; }
    public List<string> Description { get; } = [];
    public List<ParameterSetUsage> Usages { get; } = [];

    public string TypeName => Usages[0].TypeName;
    public IReadOnlyList<string> Aliases => Usages[0].Aliases;
    public IReadOnlyList<string> AcceptedValues => Usages[0].AcceptedValues;
    public string DefaultValue => Usages[0].DefaultValue;
    public bool Globbing => Usages[0].AcceptWildcards;

    /// <summary>The usage that applies to a set, or null when the parameter is not in it.</summary>
    public ParameterSetUsage? For(string setName) =>
        Usages.FirstOrDefault(u => u.ParameterSets.Contains(setName, StringComparer.OrdinalIgnoreCase))
        ?? Usages.FirstOrDefault(u => u.AppliesToAllSets);
}

/// <summary>The fields of one ```yaml block under a parameter.</summary>
internal sealed record ParameterSetUsage(
    string TypeName,
    IReadOnlyList<string> ParameterSets,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<string> AcceptedValues,
    bool Required,
    string Position,
    string DefaultValue,
    string PipelineInput,
    bool AcceptWildcards)
{
    public bool AppliesToAllSets => ParameterSets.Count == 1 && ParameterSets[0] == "(All)";
}
