namespace KvCertPending.HelpBuilder;

/// <summary>Problems found in the help sources, printed in MSBuild's canonical form so the build lists them as errors.</summary>
internal sealed class Diagnostics
{
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    public bool HasErrors => _errors.Count > 0;

    /// <param name="line">1-based line, or 0 when the problem is the whole file.</param>
    public void Error(string path, int line, string code, string message) =>
        _errors.Add(line > 0
            ? $"{path}({line}): error {code}: {message}"
            : $"{path}: error {code}: {message}");
}
