using System.Text;
using Xunit.Abstractions;

namespace KvCertPending.Tests.Fuzz;

/// <summary>
/// One fuzz run: a seeded generator (the same seed replays the same inputs), a bound on the inputs, and a tally of
/// what was tried per kind and how each input ended. Failures keep the kind, the input number and a short
/// description of the input, so a failure replays from the seed.
/// </summary>
internal sealed class FuzzRun
{
    private readonly SortedDictionary<string, int[]> _tally = new(StringComparer.Ordinal);
    private readonly List<string> _failures = new();
    private readonly ITestOutputHelper _output;
    private readonly string _title;

    public FuzzRun(string title, int seed, ITestOutputHelper output)
    {
        _title = title;
        Seed = seed;
        Random = new Random(seed);
        _output = output;
    }

    public int Seed { get; }

    public Random Random { get; }

    public int Tried { get; private set; }

    public int Failures => _failures.Count;

    /// <summary>Counts one input of <paramref name="kind"/> that was accepted (true) or refused as expected (false).</summary>
    public void Passed(string kind, bool accepted)
    {
        Tried++;
        var counts = Counts(kind);
        counts[0]++;
        counts[accepted ? 1 : 2]++;
    }

    /// <summary>Counts one input that broke the contract.</summary>
    public void Failed(string kind, string what)
    {
        Tried++;
        var counts = Counts(kind);
        counts[0]++;
        counts[3]++;
        if (_failures.Count < 40)
        {
            _failures.Add($"[{kind} #{Tried}] {what}");
        }
    }

    /// <summary>Writes the tally to the test output and fails the test if any input broke the contract.</summary>
    public void Report()
    {
        var text = new StringBuilder();
        text.AppendLine($"{_title}: seed {Seed}, {Tried} inputs");
        text.AppendLine($"  {"kind",-46} {"tried",7} {"accepted",9} {"refused",8} {"broken",7}");
        foreach (var (kind, c) in _tally)
        {
            text.AppendLine($"  {kind,-46} {c[0],7} {c[1],9} {c[2],8} {c[3],7}");
        }

        foreach (var failure in _failures)
        {
            text.AppendLine("  FAIL " + failure);
        }

        _output.WriteLine(text.ToString());
        Assert.True(_failures.Count == 0, text.ToString());
    }

    public T Pick<T>(IReadOnlyList<T> items) => items[Random.Next(items.Count)];

    public byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        Random.NextBytes(bytes);
        return bytes;
    }

    private int[] Counts(string kind)
    {
        if (!_tally.TryGetValue(kind, out var counts))
        {
            counts = new int[4];
            _tally[kind] = counts;
        }

        return counts;
    }

    /// <summary>A short, printable description of an input (for failure messages).</summary>
    public static string Describe(byte[] input) =>
        $"{input.Length} bytes: {Convert.ToHexString(input.AsSpan(0, Math.Min(48, input.Length)))}{(input.Length > 48 ? "..." : string.Empty)}";

    public static string Describe(string input) =>
        $"{input.Length} chars: \"{Escape(input.Length > 120 ? input[..120] + "..." : input)}\"";

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c is < ' ' or > '~' ? $"\\u{(int)c:x4}" : c.ToString()));
}
