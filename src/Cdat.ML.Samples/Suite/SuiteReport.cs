using System.Globalization;
using System.Text;
using Cdat.ML.Samples.Commands;
using ScottPlot;

namespace Cdat.ML.Samples.Suite;

/// <summary>The suite's outputs: a markdown table, a CSV file and one chart of metric against fit time.</summary>
internal static class SuiteReport
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private const double GapFloor = -0.3;

    public static string[] Write(string dir, IReadOnlyList<SuiteCommand.Row> rows, IReadOnlyList<SuiteSet> sets, IReadOnlyList<string> skipped,
                                 string mode, int seeds)
    {
        string markdown = Path.Combine(dir, "suite.md"), csv = Path.Combine(dir, "suite.csv"), chart = Path.Combine(dir, "suite.png");
        File.WriteAllText(markdown, Markdown(rows, sets, skipped, mode, seeds));
        File.WriteAllText(csv, Csv(rows));
        Chart(chart, rows, sets.Select(x => x.Name).ToList(), "suite");
        return new[] { markdown, csv, chart };
    }

    public static string Markdown(IReadOnlyList<SuiteCommand.Row> rows, IReadOnlyList<SuiteSet> sets, IReadOnlyList<string> skipped, string mode, int seeds)
    {
        var s = new StringBuilder();
        s.AppendLine(string.Create(C, $"Suite run ({mode}; every network row over {seeds} seed(s), each tuned row tuning its rate on its own validation split: median, range in brackets; fit time in seconds and as a multiple of LightGbm's in the same run)."));
        s.AppendLine();
        s.AppendLine("| data | trainer | metric 1 | metric 2 | fit s | × LightGbm | note |");
        s.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var set in sets)
        {
            var (first, second) = SuiteScore.Names(set.Task);
            double best = rows.Where(r => r.Set == set.Name).Max(r => r.Metric);
            foreach (var r in rows.Where(r => r.Set == set.Name))
            {
                string metric = string.Create(C, $"{first} {r.Metric:F4}") + (r.MetricLow < r.MetricHigh ? string.Create(C, $" [{r.MetricLow:F4}-{r.MetricHigh:F4}]") : "");
                if (r.Metric == best) metric = "**" + metric + "**";
                s.AppendLine(string.Create(C, $"| {set.Name} | {r.Trainer} | {metric} | {second} {r.Second:F4} | {r.Seconds:F1} | {r.Ratio:F2} | {r.Note} |"));
            }
        }
        foreach (var line in skipped) s.AppendLine().AppendLine(line);
        return s.ToString();
    }

    private static string Csv(IReadOnlyList<SuiteCommand.Row> rows)
    {
        var s = new StringBuilder("set,task,trainer,metric1_name,metric1,metric1_low,metric1_high,metric2_name,metric2,fit_seconds,ratio_to_lightgbm,note\n");
        foreach (var r in rows)
        {
            var (first, second) = SuiteScore.Names(r.Task);
            s.AppendLine(string.Create(C, $"{r.Set},{r.Task},\"{r.Trainer}\",{first},{r.Metric:R},{r.MetricLow:R},{r.MetricHigh:R},{second},{r.Second:R},{r.Seconds:R},{r.Ratio:R},\"{r.Note.Replace("\"", "\"\"")}\""));
        }
        return s.ToString();
    }

    /// <summary>Every (data set, trainer) as a point: fit time relative to LightGbm against the gap to the set's best metric.</summary>
    public static void Chart(string path, IReadOnlyList<SuiteCommand.Row> rows, IReadOnlyList<string> sets, string title)
    {
        var plot = new Plot();
        var best = sets.ToDictionary(s => s, s => rows.Where(r => r.Set == s).Max(r => r.Metric));
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var trainer in rows.Select(r => Family(r.Trainer)).Distinct())
        {
            var points = rows.Where(r => Family(r.Trainer) == trainer && r.Ratio > 0).ToArray();
            // Gaps beyond the floor (e.g. a negative R²) are drawn at it, so that the near-best points stay readable.
            var scatter = plot.Add.ScatterPoints(points.Select(r => Math.Log10(r.Ratio)).ToArray(), points.Select(r => Math.Max(r.Metric - best[r.Set], GapFloor)).ToArray());
            scatter.LegendText = trainer;
            scatter.MarkerSize = 9;
            scatter.Color = palette.GetColor(i++);
        }
        plot.Add.VerticalLine(0).LinePattern = LinePattern.Dashed;
        plot.Title($"{title}, each data set: test metric minus the best trainer's (floored at {GapFloor}), against fit time");
        plot.XLabel("fit time / LightGbm's (log10)");
        plot.YLabel("metric − best on the set (accuracy, AUC or R²)");
        plot.ShowLegend();
        plot.SavePng(path, 1000, 620);
    }

    /// <summary>The trainer's family across tasks (e.g. all SDCA variants share a colour).</summary>
    public static string Family(string trainer) => trainer.Split(' ')[0] switch
    {
        "L-BFGS" => "L-BFGS",
        "SDCA" => "SDCA",
        "FastTree" => "FastTree",
        // The tuned schedule-free row gets a colour of its own, apart from the same optimizer at its default η.
        _ when trainer.EndsWith("(η tuned)", StringComparison.Ordinal) => trainer,
        var f => trainer.StartsWith("Cdat", StringComparison.Ordinal) ? "Cdat (defaults)" : trainer.StartsWith("Adam", StringComparison.Ordinal) ? "Adam oracle" : f,
    };
}
