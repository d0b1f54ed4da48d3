using System.Management.Automation;

namespace KvCertPending.Hosting;

/// <summary>What one script run left in each stream, and what a console would have shown.</summary>
public sealed record ScriptResult(
    IReadOnlyList<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<WarningRecord> Warnings,
    IReadOnlyList<VerboseRecord> Verbose,
    IReadOnlyList<DebugRecord> Debug,
    IReadOnlyList<InformationRecord> Information,
    IReadOnlyList<ProgressRecord> Progress,
    string ConsoleText)
{
    /// <summary>Throws when the script wrote any error, with every error's id and message.</summary>
    public ScriptResult ThrowIfErrors()
    {
        if (Errors.Count > 0)
        {
            var lines = Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e.Exception?.Message}");
            throw new InvalidOperationException("The script wrote errors:" + Environment.NewLine + string.Join(Environment.NewLine, lines));
        }

        return this;
    }
}
