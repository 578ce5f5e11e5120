using System.Globalization;
using System.Text;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Commands;
using Row = Cdat.ML.Samples.Commands.SuiteCommand.Row;

namespace Cdat.ML.Samples.Suite;

/// <summary>
/// The meta-benchmark's outputs: a summary over all sets (wins, ranks, gaps to the best trainer, to LightGbm and to the
/// best linear trainer, log-loss against ML.NET's best, fit time), a table per set, a CSV file and a chart.
/// </summary>
internal static class MetaReport
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Below the best linear trainer by at most this much counts as level with it.</summary>
    public const double LinearTolerance = 0.005;
    /// <summary>Log-loss at most this multiple of the best ML.NET trainer's counts as calibrated enough.</summary>
    public const double LogLossFactor = 1.2;
    /// <summary>Fit times are compared on sets of at least this many training rows (smaller fits take a blink).</summary>
    public const long TimedRows = 1000;

    public static string[] Write(string dir, IReadOnlyList<Row> rows, IReadOnlyList<MetaCommand.SetInfo> sets, IReadOnlyList<string> skipped, string mode)
    {
        string markdown = Path.Combine(dir, "meta.md"), csv = Path.Combine(dir, "meta.csv"), chart = Path.Combine(dir, "meta.png");
        var s = new StringBuilder();
        s.AppendLine(string.Create(C, $"Meta-benchmark ({mode}; {sets.Count} data sets; each trainer's median over the splits, range in brackets)."));
        s.AppendLine().AppendLine(Summary(rows, sets)).AppendLine();
        s.AppendLine("| data | trainer | metric 1 | metric 2 | log-loss | gap to best | rank | fit s | × LightGbm | note |");
        s.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var set in sets)
        {
            var (first, second) = SuiteScore.Names(set.Task);
            var ofSet = rows.Where(r => r.Set == set.Name).ToList();
            double best = ofSet.Max(r => r.Metric);
            foreach (var r in ofSet)
            {
                string metric = string.Create(C, $"{first} {r.Metric:F4}") + (r.MetricLow < r.MetricHigh ? string.Create(C, $" [{r.MetricLow:F4}-{r.MetricHigh:F4}]") : "");
                if (r.Metric == best) metric = "**" + metric + "**";
                s.AppendLine(string.Create(C, $"| {set.Name} | {r.Trainer} | {metric} | {second} {r.Second:F4} | {(double.IsNaN(r.LogLoss) ? "" : r.LogLoss.ToString("F4", C))} | {r.Metric - best:+0.0000;-0.0000;0} | {Rank(ofSet, r)} | {r.Seconds:F1} | {r.Ratio:F2} | {r.Note} |"));
            }
        }
        foreach (var line in skipped) s.AppendLine().AppendLine(line);
        s.AppendLine().AppendLine("Data sets:").AppendLine();
        foreach (var set in sets) s.AppendLine(string.Create(C, $"- {set.Name}: {set.TrainRows} training rows, {set.Features} features; {set.Description}"));
        File.WriteAllText(markdown, s.ToString());
        File.WriteAllText(csv, Csv(rows, sets));
        SuiteReport.Chart(chart, rows, sets.Select(x => x.Name).ToList(), "meta-benchmark");
        return new[] { markdown, csv, chart };
    }

    /// <summary>One line per trainer family over all sets, as a markdown table.</summary>
    public static string Summary(IReadOnlyList<Row> rows, IReadOnlyList<MetaCommand.SetInfo> sets)
    {
        var s = new StringBuilder();
        s.AppendLine("| trainer | sets | wins | mean rank | median gap to best | median gap to LightGbm | ≥ best linear − 0.005 | worst gap to best linear | log-loss ≤ 1.2× ML.NET's best | median fit × LightGbm (≥ 1,000 rows) |");
        s.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var family in rows.Select(r => SuiteReport.Family(r.Trainer)).Distinct())
        {
            var mine = rows.Where(r => SuiteReport.Family(r.Trainer) == family).ToList();
            var gaps = new List<double>(); var toLightGbm = new List<double>(); var toLinear = new List<double>(); var ratios = new List<double>();
            int wins = 0, calibrated = 0, classification = 0;
            double rankSum = 0;
            foreach (var r in mine)
            {
                var ofSet = rows.Where(x => x.Set == r.Set).ToList();
                int rank = Rank(ofSet, r);
                rankSum += rank;
                if (rank == 1) wins++;
                gaps.Add(r.Metric - ofSet.Max(x => x.Metric));
                toLightGbm.Add(r.Metric - ofSet.First(x => x.Trainer == "LightGbm").Metric);
                toLinear.Add(r.Metric - ofSet.Where(IsLinear).Max(x => x.Metric));
                double bestLogLoss = ofSet.Where(IsMLNet).Select(x => x.LogLoss).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Min();
                if (r.Task != CdatTask.Regression && double.IsFinite(bestLogLoss))
                {
                    classification++;
                    if (r.LogLoss <= LogLossFactor * bestLogLoss) calibrated++;
                }
                if (sets.First(x => x.Name == r.Set).TrainRows >= TimedRows) ratios.Add(r.Ratio);
            }
            s.AppendLine(string.Create(C, $"| {family} | {mine.Count} | {wins} | {rankSum / mine.Count:F2} | {Stats.Median(gaps):+0.0000;-0.0000;0} | {Stats.Median(toLightGbm):+0.0000;-0.0000;0} | {toLinear.Count(g => g >= -LinearTolerance)}/{mine.Count} | {toLinear.Min():+0.0000;-0.0000;0} | {calibrated}/{classification} | {(ratios.Count > 0 ? Stats.Median(ratios).ToString("F2", C) : "")} |"));
        }
        return s.ToString();
    }

    /// <summary>1 for the best metric of the set (ties share a rank).</summary>
    private static int Rank(IReadOnlyList<Row> ofSet, Row r) => 1 + ofSet.Count(x => x.Metric > r.Metric);

    private static bool IsLinear(Row r) => SuiteReport.Family(r.Trainer) is "SDCA" or "L-BFGS";
    private static bool IsMLNet(Row r) => SuiteReport.Family(r.Trainer) is "SDCA" or "L-BFGS" or "LightGbm" or "FastTree";

    private static string Csv(IReadOnlyList<Row> rows, IReadOnlyList<MetaCommand.SetInfo> sets)
    {
        var s = new StringBuilder("set,task,train_rows,features,trainer,metric1_name,metric1,metric1_low,metric1_high,metric2_name,metric2,log_loss,gap_to_best,rank,fit_seconds,ratio_to_lightgbm,note\n");
        foreach (var r in rows)
        {
            var set = sets.First(x => x.Name == r.Set);
            var ofSet = rows.Where(x => x.Set == r.Set).ToList();
            var (first, second) = SuiteScore.Names(r.Task);
            s.AppendLine(string.Create(C, $"{r.Set},{r.Task},{set.TrainRows},{set.Features},\"{r.Trainer}\",{first},{r.Metric:R},{r.MetricLow:R},{r.MetricHigh:R},{second},{r.Second:R},{r.LogLoss:R},{r.Metric - ofSet.Max(x => x.Metric):R},{Rank(ofSet, r)},{r.Seconds:R},{r.Ratio:R},\"{r.Note.Replace("\"", "\"\"")}\""));
        }
        return s.ToString();
    }
}
