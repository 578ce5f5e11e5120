using System.CommandLine;
using System.Globalization;
using System.Text;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Suite;
using Microsoft.ML;
using Spectre.Console;
using Candidate = Cdat.ML.Samples.Suite.Candidates.Candidate;

namespace Cdat.ML.Samples.Commands;

/// <summary>
/// Chooses one of the trainer's defaults leave one set out. On each set and split, every candidate is fitted on 80% of the
/// training rows and scored on the other 20% (validation; test rows are never read while choosing). For each set, the
/// candidate chosen is the one with the best mean validation gap to the best candidate over the <em>other</em> sets; that
/// choice, and the first candidate (the reference), are then fitted on all training rows and scored on the set's test rows.
/// With a time tolerance, the candidate chosen is the fastest of those whose mean gap is within it of the best one's.
/// </summary>
internal static class SelectCommand
{
    private const int ValidationSeedOffset = 100;

    public static Command Create()
    {
        var command = new Command("select", "Chooses a default leave one set out on the meta-benchmark's validation splits, and scores each set with the choice made without it.");
        var factor = new Option<string>("--factor") { Description = $"Which default: {string.Join(", ", Candidates.Factors.Keys)}", Required = true };
        var data = new Option<string?>("--data") { Description = "Folder with a manifest.csv (default: the shipped meta-benchmark)" };
        var sets = new Option<string?>("--sets") { Description = "Comma-separated data sets (default all of the folder's; the suite's may be named too)" };
        var seeds = new Option<int>("--seeds") { Description = "Seeded splits per set (default 3)", DefaultValueFactory = _ => 3 };
        var rows = new Option<int?>("--rows") { Description = "At most this many training rows per set" };
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Numbers mean-imputed but not standardised, as a pipeline that forgets the normaliser (the folder's sets only)" };
        var batches = new Option<string?>("--batches") { Description = "Comma-separated batch sizes a user might force (e.g. 32,128,512,2048): every candidate runs at each, the choice is on their mean, and the test rows are scored at each beside the run with no batch size set" };
        var tolerance = new Option<double>("--time-tolerance") { Description = "Choose the fastest candidate whose mean validation gap is within this of the best one's (default 0: the best)", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "Output folder (default out/select-<factor>-<time>)" };
        foreach (var o in new Option[] { factor, data, sets, seeds, rows, noNormalize, batches, tolerance, output }) command.Options.Add(o);
        CommandRunner.SetAction(command, result =>
        {
            string name = result.GetValue(factor)!;
            if (!Candidates.Factors.TryGetValue(name, out var candidates))
                throw new ArgumentException($"--factor: unknown '{name}'; known: {string.Join(", ", Candidates.Factors.Keys)}.");
            int seedCount = result.GetValue(seeds);
            if (seedCount <= 0) throw new ArgumentException("--seeds must be greater than 0.");
            int? limit = result.GetValue(rows);
            if (limit is <= 10) throw new ArgumentException("--rows must be greater than 10.");
            int?[] forced = ParseBatches(result.GetValue(batches));
            double within = result.GetValue(tolerance);
            if (!(within >= 0) || double.IsInfinity(within)) throw new ArgumentException("--time-tolerance must be 0 or more.");
            var folder = MetaSets.Read(result.GetValue(data) ?? MetaSets.ShippedFolder, normalize: !result.GetValue(noNormalize));
            var all = folder.Concat(SuiteSet.All.Where(s => folder.All(f => f.Name != s.Name))).ToList();
            // Only the folder's sets by default; the suite's may be named.
            var chosen = result.GetValue(sets) is { } names ? SuiteSet.Pick(all, names) : folder.ToList();
            if (chosen.Count < 2) throw new ArgumentException("--sets: leave-one-set-out needs at least two data sets.");
            string dir = result.GetValue(output) ?? Path.Combine("out", $"select-{name}-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);

            // Validation metric per set and candidate, averaged over the splits.
            var validation = new Dictionary<string, double[]>();
            var seconds = new Dictionary<string, double[]>();
            var perBatch = new Dictionary<string, double[][]>();
            foreach (var set in chosen)
            {
                bool onLogLoss = Candidates.ChosenOnLogLoss.Contains(name) && set.Task != CdatTask.Regression;
                var perSeed = Enumerable.Range(1, seedCount).Select(seed => Validate(set, seed, limit, candidates, onLogLoss, forced)).ToArray();
                validation[set.Name] = Enumerable.Range(0, candidates.Length).Select(c => perSeed.Average(v => v[c].Average(r => r.Score))).ToArray();
                seconds[set.Name] = Enumerable.Range(0, candidates.Length).Select(c => perSeed.Average(v => v[c].Average(r => r.Seconds))).ToArray();
                perBatch[set.Name] = Enumerable.Range(0, forced.Length).Select(b => Enumerable.Range(0, candidates.Length).Select(c => perSeed.Average(v => v[c][b].Score)).ToArray()).ToArray();
                AnsiConsole.MarkupLine(Markup.Escape($"{set.Name}: validation " + string.Join(", ", candidates.Select((c, i) => Invariant($"{c.Name} {validation[set.Name][i]:F4} ({seconds[set.Name][i]:F2} s)")))));
            }
            int Choose(IEnumerable<string> on)
            {
                var gaps = Enumerable.Range(0, candidates.Length).Select(c => on.Average(s => validation[s][c] - validation[s].Max())).ToArray();
                double best = gaps.Max();
                if (double.IsNaN(best)) return 0;  // nothing scored: the reference, as before
                // Relative time, so that no one slow set decides: the mean over the sets of a candidate's time over the first one's.
                return Enumerable.Range(0, candidates.Length).Where(c => gaps[c] >= best - within)
                    .OrderBy(c => within > 0 ? on.Average(s => seconds[s][c] / seconds[s][0]) : 0).ThenByDescending(c => gaps[c]).ThenBy(c => c).First();
            }

            var lines = new List<Line>();
            var batchLines = new List<BatchLine>();
            foreach (var set in chosen)
            {
                int choice = Choose(chosen.Where(s => s != set).Select(s => s.Name));
                if (forced[0] is not null)
                {
                    batchLines.AddRange(TestBatches(set, seedCount, limit, candidates[choice], candidates[0], forced, choice));
                    foreach (var b in batchLines.Where(b => b.Set == set.Name))
                        AnsiConsole.MarkupLine(Markup.Escape(Invariant($"{set.Name} at batch {b.Batch}: {candidates[choice].Name} {b.Chosen:F4}, today's {b.Today:F4}, no batch size set {b.Unset:F4}")));
                    continue;
                }
                var test = Enumerable.Range(1, seedCount).Select(seed => Test(set, seed, limit, candidates[choice], candidates[0])).ToArray();
                lines.Add(new Line(set.Name, choice, Stats.Median(test.Select(t => t.Chosen.Metric)), Stats.Median(test.Select(t => t.Default.Metric)),
                                   Stats.Median(test.Select(t => t.Chosen.LogLoss)), Stats.Median(test.Select(t => t.Default.LogLoss)),
                                   Stats.Median(test.Select(t => t.Chosen.Seconds)), Stats.Median(test.Select(t => t.Default.Seconds))));
                AnsiConsole.MarkupLine(Markup.Escape(Invariant($"{set.Name}: chosen without it {candidates[choice].Name}: test {lines[^1].Chosen:F4} (default {lines[^1].Default:F4})")));
            }
            int overall = Choose(chosen.Select(s => s.Name));
            string[] files = forced[0] is null
                ? Write(dir, name, Candidates.ChosenOnLogLoss.Contains(name), candidates, chosen.Select(s => s.Name).ToList(), validation, seconds, lines, overall, seedCount, limit, within)
                : WriteBatches(dir, name, candidates, chosen.Select(s => s.Name).ToList(), perBatch, batchLines, overall, seedCount, limit, forced);
            AnsiConsole.MarkupLine(Markup.Escape($"Chosen on all {chosen.Count} sets: {candidates[overall].Name}"));
            CommandRunner.Wrote(dir, files);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Each candidate's validation score on one split: fitted on 80% of the training rows, scored on the rest; the metric,
    /// or with <paramref name="onLogLoss"/> minus the log-loss (higher is better either way).
    /// </summary>
    private static (double Score, double Seconds)[][] Validate(SuiteSet set, int seed, int? limit, Candidate[] candidates, bool onLogLoss, int?[] batches)
    {
        var ml = new MLContext(seed: seed);
        var (rawTrain, _) = set.Split(ml, seed, limit);
        var inner = ml.Data.TrainTestSplit(rawTrain, testFraction: 0.2, seed: seed + ValidationSeedOffset);
        var prep = set.Prep(ml).Fit(inner.TrainSet);
        var fit = ml.Data.Cache(prep.Transform(inner.TrainSet));
        var check = ml.Data.Cache(prep.Transform(inner.TestSet));
        return candidates.Select(c => batches.Select(b =>
        {
            var score = Score(ml, set.Task, fit, check, c, seed, b);
            return (onLogLoss ? -score.LogLoss : score.Metric, score.Seconds);
        }).ToArray()).ToArray();
    }

    /// <summary>--batches as batch sizes; without it, one entry: no batch size forced.</summary>
    private static int?[] ParseBatches(string? text)
    {
        if (text is null) return new int?[] { null };
        var sizes = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int b) && b > 0 ? b
                : throw new ArgumentException($"--batches: '{t}' is not a positive batch size.")).ToArray();
        return sizes.Length > 0 ? sizes.Select(b => (int?)b).ToArray() : throw new ArgumentException("--batches: no batch size given.");
    }

    /// <summary>
    /// At each forced batch size, the test metric of the candidate chosen without the set and of the first candidate (medians
    /// over the splits), and the run with no batch size set, which a user who forces one should not fall far below.
    /// </summary>
    private static IEnumerable<BatchLine> TestBatches(SuiteSet set, int seedCount, int? limit, Candidate chosen, Candidate today, int?[] batches, int choice)
    {
        var perSeed = Enumerable.Range(1, seedCount).Select(seed =>
        {
            var ml = new MLContext(seed: seed);
            var (rawTrain, rawTest) = set.Split(ml, seed, limit);
            var prep = set.Prep(ml).Fit(rawTrain);
            var train = ml.Data.Cache(prep.Transform(rawTrain));
            var test = ml.Data.Cache(prep.Transform(rawTest));
            double unset = Score(ml, set.Task, train, test, today, seed, null).Metric;
            return batches.Select(b =>
            {
                double t = Score(ml, set.Task, train, test, today, seed, b).Metric;
                return (Chosen: ReferenceEquals(chosen, today) ? t : Score(ml, set.Task, train, test, chosen, seed, b).Metric, Today: t, Unset: unset);
            }).ToArray();
        }).ToArray();
        return batches.Select((b, i) => new BatchLine(set.Name, b!.Value, choice, Stats.Median(perSeed.Select(p => p[i].Chosen)),
                                                      Stats.Median(perSeed.Select(p => p[i].Today)), Stats.Median(perSeed.Select(p => p[i].Unset))));
    }

    /// <summary>The chosen candidate's and the default's test metric on one split.</summary>
    private static (SuiteScore Chosen, SuiteScore Default) Test(SuiteSet set, int seed, int? limit, Candidate chosen, Candidate @default)
    {
        var ml = new MLContext(seed: seed);
        var (rawTrain, rawTest) = set.Split(ml, seed, limit);
        var prep = set.Prep(ml).Fit(rawTrain);
        var train = ml.Data.Cache(prep.Transform(rawTrain));
        var test = ml.Data.Cache(prep.Transform(rawTest));
        var d = Score(ml, set.Task, train, test, @default, seed);
        return (ReferenceEquals(chosen, @default) ? d : Score(ml, set.Task, train, test, chosen, seed), d);
    }

    private static SuiteScore Score(MLContext ml, CdatTask task, IDataView train, IDataView test, Candidate candidate, int seed, int? batchSize = null)
    {
        var options = new CdatTrainer.Options { Seed = seed, BatchSize = batchSize };
        int features = (train.Schema["Features"].Type as Microsoft.ML.Data.VectorDataViewType)?.Size ?? 1;
        candidate.Apply(options, new Candidates.CandidateData(SuiteCommand.Count(train), features, task));
        return new SuiteTrainer(candidate.Name, (c, _) => SuiteTrainer.Cdat(c, task, options)).Run(ml, task, train, test, seed);
    }

    /// <summary>One set's outcome: the candidate chosen without it, and its and the first candidate's test metric and log-loss.</summary>
    private sealed record Line(string Set, int Choice, double Chosen, double Default, double ChosenLogLoss, double DefaultLogLoss, double ChosenSeconds, double DefaultSeconds);

    private static string[] Write(string dir, string factor, bool onLogLoss, Candidate[] candidates, IReadOnlyList<string> sets, Dictionary<string, double[]> validation,
                                  Dictionary<string, double[]> seconds, List<Line> lines, int overall, int seeds, int? limit, double within)
    {
        var s = new StringBuilder();
        s.AppendLine(Invariant($"Leave-one-set-out choice of `{factor}` ({seeds} split(s) per set{(limit is int l ? $", at most {l} training rows" : "")}; candidates: {string.Join(", ", candidates.Select(c => c.Name))}; the first is the reference, the default when the factor was chosen)."));
        if (within > 0)
            s.AppendLine().AppendLine(Invariant($"Time tolerance {within:G3}: the candidate chosen is the fastest (mean over the sets of its validation fit time over the first candidate's) among those whose mean validation gap to the best candidate is within {within:G3} of the best one's."));
        s.AppendLine().AppendLine(Invariant($"Chosen on all {sets.Count} sets' validation splits: **{candidates[overall].Name}**. Per set, the choice made without it, scored on the set's test rows (median over the splits):"));
        s.AppendLine().AppendLine("| set | chosen without it | test metric | first candidate | difference | log-loss, chosen | log-loss, first | fit s, chosen | fit s, first |").AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (set, choice, chosen, @default, chosenLogLoss, defaultLogLoss, chosenSeconds, defaultSeconds) in lines)
            s.AppendLine(Invariant($"| {set} | {candidates[choice].Name} | {chosen:F4} | {@default:F4} | {chosen - @default:+0.0000;-0.0000;0} | {LogLoss(chosenLogLoss)} | {LogLoss(defaultLogLoss)} | {chosenSeconds:F2} | {defaultSeconds:F2} |"));
        s.AppendLine().AppendLine(Invariant($"Chosen {string.Join(", ", candidates.Select((c, i) => $"{c.Name} {lines.Count(x => x.Choice == i)}×"))}; better than the first candidate on {lines.Count(x => x.Chosen > x.Default)} of {lines.Count} sets, worse on {lines.Count(x => x.Chosen < x.Default)}; median difference {Stats.Median(lines.Select(x => x.Chosen - x.Default)):+0.0000;-0.0000;0}."));
        s.AppendLine().AppendLine(onLogLoss ? "Validation score per set: minus the log-loss on classification sets, the metric on regression sets (mean over the splits; never the test rows):"
                                            : "Validation metric per set (mean over the splits; never the test rows):").AppendLine();
        s.AppendLine("| set | " + string.Join(" | ", candidates.Select(c => c.Name)) + " |").AppendLine("|---|" + string.Concat(candidates.Select(_ => "---|")));
        foreach (var set in sets) s.AppendLine($"| {set} | " + string.Join(" | ", validation[set].Select(v => v.ToString("F4", CultureInfo.InvariantCulture))) + " |");
        s.AppendLine().AppendLine("Validation fit time per set, seconds (mean over the splits), and each candidate's median over the sets of its time over the first candidate's:").AppendLine();
        s.AppendLine("| set | " + string.Join(" | ", candidates.Select(c => c.Name)) + " |").AppendLine("|---|" + string.Concat(candidates.Select(_ => "---|")));
        foreach (var set in sets) s.AppendLine($"| {set} | " + string.Join(" | ", seconds[set].Select(v => v.ToString("F2", CultureInfo.InvariantCulture))) + " |");
        s.AppendLine("| median × first | " + string.Join(" | ", candidates.Select((_, i) => Stats.Median(sets.Select(t => seconds[t][i] / seconds[t][0])).ToString("F2", CultureInfo.InvariantCulture))) + " |");
        s.AppendLine("| mean × first (what a time tolerance compares) | " + string.Join(" | ", candidates.Select((_, i) => sets.Average(t => seconds[t][i] / seconds[t][0]).ToString("F2", CultureInfo.InvariantCulture))) + " |");
        string markdown = Path.Combine(dir, "select.md"), csv = Path.Combine(dir, "select.csv");
        File.WriteAllText(markdown, s.ToString());
        var c = new StringBuilder("set,candidate,validation,validation_fit_seconds,chosen_without_set,test_chosen,test_default\n");
        foreach (var (set, choice, chosen, @default, _, _, _, _) in lines)
            for (int i = 0; i < candidates.Length; i++)
                c.AppendLine(Invariant($"{set},\"{candidates[i].Name}\",{validation[set][i]:R},{seconds[set][i]:R},{(i == choice ? 1 : 0)},{(i == choice ? chosen : double.NaN):R},{@default:R}"));
        File.WriteAllText(csv, c.ToString());
        return new[] { markdown, csv };
    }

    /// <summary>One set at one forced batch size: the test metric of the candidate chosen without the set, of the first candidate at that batch size, and of the run with no batch size set.</summary>
    private sealed record BatchLine(string Set, int Batch, int Choice, double Chosen, double Today, double Unset);

    private static string[] WriteBatches(string dir, string factor, Candidate[] candidates, IReadOnlyList<string> sets, Dictionary<string, double[][]> validation,
                                         List<BatchLine> lines, int overall, int seeds, int? limit, int?[] batches)
    {
        const double Near = 0.01;
        var s = new StringBuilder();
        s.AppendLine(Invariant($"Leave-one-set-out choice of `{factor}` at forced batch sizes {string.Join(", ", batches)} ({seeds} split(s) per set{(limit is int l ? $", at most {l} training rows" : "")}; candidates: {string.Join(", ", candidates.Select(c => c.Name))}; the first is the reference, the default when the factor was chosen; each candidate's validation metric is its mean over the batch sizes)."));
        s.AppendLine().AppendLine(Invariant($"Chosen on all {sets.Count} sets' validation splits: **{candidates[overall].Name}**. Per set and batch size, the choice made without the set and today's rule at that batch size, beside the run with no batch size set (test rows, median over the splits):"));
        s.AppendLine().AppendLine("| set | batch | chosen without it | test metric | today's rule | no batch size set | chosen − unset | today's − unset |").AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var x in lines)
            s.AppendLine(Invariant($"| {x.Set} | {x.Batch} | {candidates[x.Choice].Name} | {x.Chosen:F4} | {x.Today:F4} | {x.Unset:F4} | {x.Chosen - x.Unset:+0.0000;-0.0000;0} | {x.Today - x.Unset:+0.0000;-0.0000;0} |"));
        s.AppendLine().AppendLine("| batch | cells | chosen within 0.01 of the unset run | today's within 0.01 | median chosen − unset | worst | median today's − unset | worst |").AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var group in lines.GroupBy(x => x.Batch).Append(lines.GroupBy(_ => 0).Single()))
        {
            var g = group.ToList();
            s.AppendLine(Invariant($"| {(group.Key == 0 ? "all" : group.Key.ToString(CultureInfo.InvariantCulture))} | {g.Count} | {g.Count(x => x.Chosen >= x.Unset - Near)} | {g.Count(x => x.Today >= x.Unset - Near)} | {Stats.Median(g.Select(x => x.Chosen - x.Unset)):+0.0000;-0.0000;0} | {g.Min(x => x.Chosen - x.Unset):+0.0000;-0.0000;0} | {Stats.Median(g.Select(x => x.Today - x.Unset)):+0.0000;-0.0000;0} | {g.Min(x => x.Today - x.Unset):+0.0000;-0.0000;0} |"));
        }
        s.AppendLine().AppendLine("Validation metric per set and batch size, mean over the splits (never the test rows):").AppendLine();
        s.AppendLine("| set | batch | " + string.Join(" | ", candidates.Select(c => c.Name)) + " |").AppendLine("|---|---|" + string.Concat(candidates.Select(_ => "---|")));
        foreach (var set in sets)
            for (int b = 0; b < batches.Length; b++)
                s.AppendLine(Invariant($"| {set} | {batches[b]} | ") + string.Join(" | ", validation[set][b].Select(v => v.ToString("F4", CultureInfo.InvariantCulture))) + " |");
        string markdown = Path.Combine(dir, "select.md"), csv = Path.Combine(dir, "select.csv");
        File.WriteAllText(markdown, s.ToString());
        var c = new StringBuilder("set,batch,chosen_without_set,test_chosen,test_today,test_unset\n");
        foreach (var x in lines) c.AppendLine(Invariant($"{x.Set},{x.Batch},\"{candidates[x.Choice].Name}\",{x.Chosen:R},{x.Today:R},{x.Unset:R}"));
        File.WriteAllText(csv, c.ToString());
        return new[] { markdown, csv };
    }

    private static string LogLoss(double value) => double.IsNaN(value) ? "" : value.ToString("F4", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
