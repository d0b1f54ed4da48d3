using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text.RegularExpressions;

namespace KvCertPending.Hosting;

/// <summary>The UI half of <see cref="TextHost"/>.</summary>
internal sealed partial class TextHostUserInterface : PSHostUserInterface
{
    private readonly TextWriter writer;
    private readonly bool plainText;
    private readonly TextHostRawUserInterface raw;
    private readonly List<ProgressRecord> progress = [];
    private readonly object gate = new();

    public TextHostUserInterface(TextWriter writer, int width, bool plainText)
    {
        this.writer = writer;
        this.plainText = plainText;
        raw = new TextHostRawUserInterface(width);
    }

    public Queue<string> ScriptedChoices { get; } = new();

    public IReadOnlyList<ProgressRecord> Progress
    {
        get
        {
            lock (gate)
            {
                return progress.ToArray();
            }
        }
    }

    public override PSHostRawUserInterface RawUI => raw;

    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
        => throw new PSNotSupportedException($"This host cannot prompt for input ({caption}: {message}).");

    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
    {
        ArgumentNullException.ThrowIfNull(choices);
        Write(caption + Environment.NewLine + message + Environment.NewLine);
        if (ScriptedChoices.Count == 0)
        {
            throw new PSNotSupportedException($"This host has no scripted answer for the prompt '{caption}'.");
        }

        var answer = ScriptedChoices.Dequeue();
        for (var i = 0; i < choices.Count; i++)
        {
            var label = choices[i].Label;
            if (string.Equals(label, answer, StringComparison.OrdinalIgnoreCase)
                || string.Equals(label.Replace("&", string.Empty, StringComparison.Ordinal), answer, StringComparison.OrdinalIgnoreCase)
                || (label.IndexOf('&', StringComparison.Ordinal) is var amp and >= 0 && amp + 1 < label.Length
                    && string.Equals(label[amp + 1].ToString(), answer, StringComparison.OrdinalIgnoreCase)))
            {
                WriteLine("> " + label.Replace("&", string.Empty, StringComparison.Ordinal));
                return i;
            }
        }

        throw new PSArgumentException($"The scripted answer '{answer}' is not one of the prompt's choices.");
    }

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName)
        => throw new PSNotSupportedException("This host cannot prompt for credentials.");

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options)
        => throw new PSNotSupportedException("This host cannot prompt for credentials.");

    public override string ReadLine() => throw new PSNotSupportedException("This host cannot read input.");

    public override SecureString ReadLineAsSecureString() => throw new PSNotSupportedException("This host cannot read input.");

    public override void Write(string value)
    {
        lock (gate)
        {
            writer.Write(plainText ? AnsiEscape().Replace(value, string.Empty) : value);
        }
    }

    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);

    public override void WriteLine(string value) => Write(value + Environment.NewLine);

    public override void WriteErrorLine(string value) => WriteLine(value);

    public override void WriteWarningLine(string message) => WriteLine("WARNING: " + message);

    public override void WriteVerboseLine(string message) => WriteLine("VERBOSE: " + message);

    public override void WriteDebugLine(string message) => WriteLine("DEBUG: " + message);

    public override void WriteInformation(InformationRecord record)
    {
        // Write-Host and Write-Information reach the host through WriteLine as well; keeping the record is enough.
    }

    public override void WriteProgress(long sourceId, ProgressRecord record)
    {
        lock (gate)
        {
            progress.Add(record);
        }
    }

    /// <summary>ANSI/VT escape sequences (colour, style) that PowerShell's formatter emits in table headers.</summary>
    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiEscape();
}
