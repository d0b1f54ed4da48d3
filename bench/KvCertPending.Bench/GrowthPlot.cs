using System.Globalization;
using System.Text;

namespace KvCertPending.Bench;

/// <summary>
/// The growth curve as a small self-contained SVG: left, scan time of the module and of the sequential SDK loop against
/// the number of certificates; right, the module beside the listing alone (its floor), each with a least-squares line
/// (is it linear?).
/// </summary>
internal static class GrowthPlot
{
    private const int PanelWidth = 420;
    private const int PanelHeight = 300;
    private const int Margin = 60;

    public static void Write(string path, IReadOnlyList<GrowthPoint> points, int latencyMs)
    {
        var svg = new StringBuilder();
        var width = (2 * PanelWidth) + (3 * Margin);
        var height = PanelHeight + (2 * Margin) + 20;
        Append(svg, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">");
        Append(svg, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        Append(svg, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">Vault-wide scan: time against vault size (20% pending, {latencyMs} ms per request)</text>");

        var xs = points.Select(p => (double)p.Certificates).ToList();
        var module = points.Select(p => p.Result.ModuleMs / 1000).ToList();
        var sdk = points.Select(p => p.Result.SdkMs / 1000).ToList();
        var listing = points.Select(p => p.Result.ListingMs / 1000).ToList();
        Panel(svg, Margin, "module and sequential SDK loop", xs, [("SDK loop", "#c0392b", sdk), ("Get-KvPendingCertificate", "#2471a3", module)], fit: false);
        Panel(svg, (2 * Margin) + PanelWidth, "module and the listing alone (pages in turn)", xs, [("Get-KvPendingCertificate", "#2471a3", module), ("listing alone", "#7d8c8d", listing)], fit: true);
        Append(svg, $"</svg>");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, svg.ToString());
    }

    private static void Panel(StringBuilder svg, int left, string title, IReadOnlyList<double> xs, IReadOnlyList<(string Name, string Colour, List<double> Ys)> series, bool fit)
    {
        const int Top = 50;
        var maxX = Nice(xs.Max());
        var maxY = Nice(series.SelectMany(s => s.Ys).Max());
        double X(double x) => left + (x / maxX * PanelWidth);
        double Y(double y) => Top + PanelHeight - (y / maxY * PanelHeight);

        Append(svg, $"<text x=\"{left + (PanelWidth / 2)}\" y=\"{Top - 10}\" text-anchor=\"middle\">{title}</text>");
        for (var i = 0; i <= 5; i++)
        {
            var gx = maxX * i / 5;
            var gy = maxY * i / 5;
            Append(svg, $"<line x1=\"{X(gx):0.#}\" y1=\"{Top}\" x2=\"{X(gx):0.#}\" y2=\"{Top + PanelHeight}\" stroke=\"#ddd\"/>");
            Append(svg, $"<line x1=\"{left}\" y1=\"{Y(gy):0.#}\" x2=\"{left + PanelWidth}\" y2=\"{Y(gy):0.#}\" stroke=\"#ddd\"/>");
            Append(svg, $"<text x=\"{X(gx):0.#}\" y=\"{Top + PanelHeight + 16}\" text-anchor=\"middle\">{gx:0}</text>");
            Append(svg, $"<text x=\"{left - 6}\" y=\"{Y(gy) + 4:0.#}\" text-anchor=\"end\">{gy:0.##}</text>");
        }

        Append(svg, $"<rect x=\"{left}\" y=\"{Top}\" width=\"{PanelWidth}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#333\"/>");
        Append(svg, $"<text x=\"{left + (PanelWidth / 2)}\" y=\"{Top + PanelHeight + 34}\" text-anchor=\"middle\">certificates in the vault</text>");
        Append(svg, $"<text transform=\"translate({left - 42},{Top + (PanelHeight / 2)}) rotate(-90)\" text-anchor=\"middle\">seconds</text>");

        var legendY = Top + 16;
        foreach (var (name, colour, ys) in series)
        {
            var line = string.Join(' ', xs.Zip(ys, (x, y) => string.Create(CultureInfo.InvariantCulture, $"{X(x):0.#},{Y(y):0.#}")));
            Append(svg, $"<polyline points=\"{line}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>");
            foreach (var (x, y) in xs.Zip(ys))
            {
                Append(svg, $"<circle cx=\"{X(x):0.#}\" cy=\"{Y(y):0.#}\" r=\"3.5\" fill=\"{colour}\"><title>{x:0} certificates: {y:0.00} s</title></circle>");
            }

            Append(svg, $"<rect x=\"{left + 12}\" y=\"{legendY - 9}\" width=\"14\" height=\"4\" fill=\"{colour}\"/>");
            Append(svg, $"<text x=\"{left + 32}\" y=\"{legendY - 3}\">{name}</text>");
            legendY += 16;

            if (fit && xs.Count >= 2)
            {
                // y = a + b x, least squares.
                var mx = xs.Average();
                var my = ys.Average();
                var b = xs.Zip(ys, (x, y) => (x - mx) * (y - my)).Sum() / xs.Sum(x => (x - mx) * (x - mx));
                var a = my - (b * mx);
                Append(svg, $"<line x1=\"{X(0):0.#}\" y1=\"{Y(Math.Max(0, a)):0.#}\" x2=\"{X(maxX):0.#}\" y2=\"{Y(a + (b * maxX)):0.#}\" stroke=\"{colour}\" stroke-dasharray=\"5,4\" opacity=\"0.6\"/>");
                Append(svg, $"<text x=\"{left + 32}\" y=\"{legendY - 3}\">fit: {a:0.00} s + {b * 1000:0.00} ms x certificates (dashed)</text>");
                legendY += 16;
            }
        }
    }

    /// <summary>A round axis maximum at or above <paramref name="value"/>: 1, 2, 2.5 or 5 times a power of ten.</summary>
    private static double Nice(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }

        return 10 * power;
    }

    private static void Append(StringBuilder svg, FormattableString line) => svg.AppendLine(line.ToString(CultureInfo.InvariantCulture));
}
