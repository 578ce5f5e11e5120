using ScottPlot;

namespace Cdat.ML.Samples.Output;

/// <summary>Line charts and heat maps as PNG files (ScottPlot renders headless).</summary>
internal static class Charts
{
    public sealed record Series(string Name, double[] X, double[] Y);

    /// <summary>One chart with several lines; <paramref name="logY"/> plots log10 of positive values.</summary>
    public static string Lines(string path, string title, string xLabel, string yLabel, IEnumerable<Series> series, bool logY = false,
                               IEnumerable<(string Name, double Y)>? horizontal = null)
    {
        var plot = new Plot();
        foreach (var s in series)
        {
            var points = s.X.Zip(s.Y).Where(p => double.IsFinite(p.Second) && (!logY || p.Second > 0)).ToArray();
            if (points.Length == 0) continue;
            var line = plot.Add.Scatter(points.Select(p => p.First).ToArray(), points.Select(p => logY ? Math.Log10(p.Second) : p.Second).ToArray());
            line.LegendText = s.Name;
            line.MarkerSize = points.Length < 60 ? 4 : 0;
            line.LineWidth = 1.5f;
        }
        foreach (var (name, y) in horizontal ?? Array.Empty<(string, double)>())
        {
            var h = plot.Add.HorizontalLine(logY ? Math.Log10(y) : y);
            h.LegendText = name;
            h.LinePattern = LinePattern.Dashed;
        }
        if (logY)
        {
            // Log scale: the data are log10 values; label whole decades with the value itself.
            var ticks = new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = v => Math.Abs(v - Math.Round(v)) < 1e-9 ? Math.Pow(10, Math.Round(v)).ToString("G3", System.Globalization.CultureInfo.InvariantCulture) : "",
                IntegerTicksOnly = true,
            };
            plot.Axes.Left.TickGenerator = ticks;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(logY ? yLabel + " (log10)" : yLabel);
        plot.ShowLegend();
        plot.SavePng(path, 900, 540);
        return path;
    }

    /// <summary>A heat map of <paramref name="values"/>[row, column] with labelled axes.</summary>
    public static string Heatmap(string path, string title, double[,] values, string[] rows, string[] columns, string rowLabel, string columnLabel)
    {
        var plot = new Plot();
        var flipped = new double[values.GetLength(0), values.GetLength(1)];
        for (int i = 0; i < values.GetLength(0); i++)
            for (int j = 0; j < values.GetLength(1); j++)
                flipped[values.GetLength(0) - 1 - i, j] = Math.Log10(Math.Max(values[i, j], 1e-12));
        var map = plot.Add.Heatmap(flipped);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(map).Label = "log10(final / initial loss)";
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, columns.Length).Select(i => (double)i).ToArray(), columns);
        plot.Axes.Left.SetTicks(Enumerable.Range(0, rows.Length).Select(i => (double)i).ToArray(), rows.Reverse().ToArray());
        plot.Title(title);
        plot.XLabel(columnLabel);
        plot.YLabel(rowLabel);
        plot.SavePng(path, 900, 600);
        return path;
    }
}
