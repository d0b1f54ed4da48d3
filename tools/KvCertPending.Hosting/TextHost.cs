using System.Globalization;
using System.Management.Automation.Host;

namespace KvCertPending.Hosting;

/// <summary>
/// A PowerShell host that renders to a <see cref="TextWriter"/> the way a console does: Out-Default output goes
/// through the module's format views, errors, warnings and verbose lines get their console prefixes.
/// Interactive prompts are answered from a script queue (for -Confirm tests), or refused.
/// </summary>
public sealed class TextHost : PSHost
{
    private readonly TextHostUserInterface ui;

    /// <summary>
    /// Creates a host writing to <paramref name="writer"/>, <paramref name="width"/> columns wide; with
    /// <paramref name="plainText"/> colour and style escape sequences are dropped (captured text, redirected output).
    /// </summary>
    public TextHost(TextWriter writer, int width = 120, bool plainText = true)
    {
        ui = new TextHostUserInterface(writer, width, plainText);
    }

    /// <inheritdoc />
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    /// <inheritdoc />
    public override CultureInfo CurrentUICulture => CultureInfo.GetCultureInfo("en-US");

    /// <inheritdoc />
    public override Guid InstanceId { get; } = Guid.NewGuid();

    /// <inheritdoc />
    public override string Name => "KvCertPending.TextHost";

    /// <inheritdoc />
    public override PSHostUserInterface UI => ui;

    /// <inheritdoc />
    public override Version Version { get; } = new(1, 0);

    /// <summary>Answers for PromptForChoice, in order (the choice's label, e.g. "&amp;Yes" or "Y").</summary>
    public Queue<string> ScriptedChoices => ui.ScriptedChoices;

    /// <summary>Every progress record the host was shown.</summary>
    public IReadOnlyList<System.Management.Automation.ProgressRecord> Progress => ui.Progress;

    /// <inheritdoc />
    public override void EnterNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported.");

    /// <inheritdoc />
    public override void ExitNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported.");

    /// <inheritdoc />
    public override void NotifyBeginApplication()
    {
    }

    /// <inheritdoc />
    public override void NotifyEndApplication()
    {
    }

    /// <inheritdoc />
    public override void SetShouldExit(int exitCode)
    {
    }
}
