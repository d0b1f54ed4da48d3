using System.Management.Automation.Host;

namespace KvCertPending.Hosting;

/// <summary>A fixed-size console surface, so formatted tables wrap as on a real console of that width.</summary>
internal sealed class TextHostRawUserInterface : PSHostRawUserInterface
{
    public TextHostRawUserInterface(int width)
    {
        BufferSize = new Size(width, 9999);
        WindowSize = new Size(width, 50);
    }

    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

    public override Size BufferSize { get; set; }

    public override Coordinates CursorPosition { get; set; }

    public override int CursorSize { get; set; } = 1;

    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;

    public override bool KeyAvailable => false;

    public override Size MaxPhysicalWindowSize => WindowSize;

    public override Size MaxWindowSize => WindowSize;

    public override Coordinates WindowPosition { get; set; }

    public override Size WindowSize { get; set; }

    public override string WindowTitle { get; set; } = "KvCertPending";

    public override void FlushInputBuffer()
    {
    }

    public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();

    public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException("This host cannot read keys.");

    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) => throw new NotSupportedException();

    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new NotSupportedException();

    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new NotSupportedException();
}
