using System.Diagnostics;
using System.Globalization;

namespace KvCertPending.Bench;

/// <summary>Timing helpers and the one output format: a markdown table row per figure.</summary>
internal static class Measure
{
    public static double Milliseconds(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
    }

    public static async Task<double> MillisecondsAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action().ConfigureAwait(false);
        return watch.Elapsed.TotalMilliseconds;
    }

    public static double Percentile(IReadOnlyList<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        var index = (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    public static string F(double value) => value.ToString(value >= 100 ? "0" : value >= 1 ? "0.0" : "0.000", CultureInfo.InvariantCulture);

    /// <summary>| what | measured | baseline | ratio | target | met |</summary>
    public static void Row(string what, double measured, double baseline, string unit, string target, bool met) =>
        Row(what, measured, baseline, measured / baseline, unit, target, met);

    /// <summary>A row whose ratio is not measured / baseline (e.g. the median of per-round ratios).</summary>
    public static void Row(string what, double measured, double baseline, double ratio, string unit, string target, bool met) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {what} | {F(measured)} {unit} | {F(baseline)} {unit} | {ratio:0.00}x | {target} | {(met ? "yes" : "NO")} |"));

    public static void Header(string title)
    {
        Console.WriteLine();
        Console.WriteLine("### " + title);
        Console.WriteLine();
        Console.WriteLine("| figure | measured | baseline | ratio | target | met |");
        Console.WriteLine("|---|---|---|---|---|---|");
    }
}
