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
/// choice, and today's default, are then fitted on all training rows and scored on the set's test rows.
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
        var output = new Option<string?>("--out") { Description = "Output folder (default out/select-<factor>-<time>)" };
        foreach (var o in new Option[] { factor, data, sets, seeds, rows, noNormalize, output }) command.Options.Add(o);
        CommandRunner.SetAction(command, result =>
        {
            string name = result.GetValue(factor)!;
            if (!Candidates.Factors.TryGetValue(name, out var candidates))
                throw new ArgumentException($"--factor: unknown '{name}'; known: {string.Join(", ", Candidates.Factors.Keys)}.");
            int seedCount = result.GetValue(seeds);
            if (seedCount <= 0) throw new ArgumentException("--seeds must be greater than 0.");
            int? limit = result.GetValue(rows);
            if (limit is <= 10) throw new ArgumentException("--rows must be greater than 10.");
            var folder = MetaSets.Read(result.GetValue(data) ?? MetaSets.ShippedFolder, normalize: !result.GetValue(noNormalize));
            var all = folder.Concat(SuiteSet.All.Where(s => s.Name != "fashion-mnist" && folder.All(f => f.Name != s.Name))).ToList();
            // Only the folder's sets by default; the suite's may be named.
            var chosen = result.GetValue(sets) is { } names ? SuiteSet.Pick(all, names) : folder.ToList();
            if (chosen.Count < 2) throw new ArgumentException("--sets: leave-one-set-out needs at least two data sets.");
            string dir = result.GetValue(output) ?? Path.Combine("out", $"select-{name}-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);

            // Validation metric per set and candidate, averaged over the splits.
            var validation = new Dictionary<string, double[]>();
            foreach (var set in chosen)
            {
                bool onLogLoss = Candidates.ChosenOnLogLoss.Contains(name) && set.Task != CdatTask.Regression;
                var perSeed = Enumerable.Range(1, seedCount).Select(seed => Validate(set, seed, limit, candidates, onLogLoss)).ToArray();
                validation[set.Name] = Enumerable.Range(0, candidates.Length).Select(c => perSeed.Average(v => v[c])).ToArray();
                AnsiConsole.MarkupLine(Markup.Escape($"{set.Name}: validation " + string.Join(", ", candidates.Select((c, i) => Invariant($"{c.Name} {validation[set.Name][i]:F4}")))));
            }
            int Choose(IEnumerable<string> on) => Enumerable.Range(0, candidates.Length)
                .Select(c => (c, score: on.Average(s => validation[s][c] - validation[s].Max()))).OrderByDescending(x => x.score).ThenBy(x => x.c).First().c;

            var lines = new List<Line>();
            foreach (var set in chosen)
            {
                int choice = Choose(chosen.Where(s => s != set).Select(s => s.Name));
                var test = Enumerable.Range(1, seedCount).Select(seed => Test(set, seed, limit, candidates[choice], candidates[0])).ToArray();
                lines.Add(new Line(set.Name, choice, Stats.Median(test.Select(t => t.Chosen.Metric)), Stats.Median(test.Select(t => t.Default.Metric)),
                                   Stats.Median(test.Select(t => t.Chosen.LogLoss)), Stats.Median(test.Select(t => t.Default.LogLoss))));
                AnsiConsole.MarkupLine(Markup.Escape(Invariant($"{set.Name}: chosen without it {candidates[choice].Name}: test {lines[^1].Chosen:F4} (default {lines[^1].Default:F4})")));
            }
            int overall = Choose(chosen.Select(s => s.Name));
            string[] files = Write(dir, name, Candidates.ChosenOnLogLoss.Contains(name), candidates, chosen.Select(s => s.Name).ToList(), validation, lines, overall, seedCount, limit);
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
    private static double[] Validate(SuiteSet set, int seed, int? limit, Candidate[] candidates, bool onLogLoss)
    {
        var ml = new MLContext(seed: seed);
        var (rawTrain, _) = set.Split(ml, seed, limit);
        var inner = ml.Data.TrainTestSplit(rawTrain, testFraction: 0.2, seed: seed + ValidationSeedOffset);
        var prep = set.Prep(ml).Fit(inner.TrainSet);
        var fit = ml.Data.Cache(prep.Transform(inner.TrainSet));
        var check = ml.Data.Cache(prep.Transform(inner.TestSet));
        return candidates.Select(c => Score(ml, set.Task, fit, check, c, seed)).Select(score => onLogLoss ? -score.LogLoss : score.Metric).ToArray();
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

    private static SuiteScore Score(MLContext ml, CdatTask task, IDataView train, IDataView test, Candidate candidate, int seed)
    {
        var options = new CdatTrainer.Options { Seed = seed };
        candidate.Apply(options, SuiteCommand.Count(train));
        return new SuiteTrainer(candidate.Name, (c, _) => SuiteTrainer.Cdat(c, task, options)).Run(ml, task, train, test, seed);
    }

    /// <summary>One set's outcome: the candidate chosen without it, and its and today's default's test metric and log-loss.</summary>
    private sealed record Line(string Set, int Choice, double Chosen, double Default, double ChosenLogLoss, double DefaultLogLoss);

    private static string[] Write(string dir, string factor, bool onLogLoss, Candidate[] candidates, IReadOnlyList<string> sets, Dictionary<string, double[]> validation,
                                  List<Line> lines, int overall, int seeds, int? limit)
    {
        var s = new StringBuilder();
        s.AppendLine(Invariant($"Leave-one-set-out choice of `{factor}` ({seeds} split(s) per set{(limit is int l ? $", at most {l} training rows" : "")}; candidates: {string.Join(", ", candidates.Select(c => c.Name))}; the first is today's default)."));
        s.AppendLine().AppendLine(Invariant($"Chosen on all {sets.Count} sets' validation splits: **{candidates[overall].Name}**. Per set, the choice made without it, scored on the set's test rows (median over the splits):"));
        s.AppendLine().AppendLine("| set | chosen without it | test metric | today's default | difference | log-loss, chosen | log-loss, default |").AppendLine("|---|---|---|---|---|---|---|");
        foreach (var (set, choice, chosen, @default, chosenLogLoss, defaultLogLoss) in lines)
            s.AppendLine(Invariant($"| {set} | {candidates[choice].Name} | {chosen:F4} | {@default:F4} | {chosen - @default:+0.0000;-0.0000;0} | {LogLoss(chosenLogLoss)} | {LogLoss(defaultLogLoss)} |"));
        s.AppendLine().AppendLine(Invariant($"Chosen {string.Join(", ", candidates.Select((c, i) => $"{c.Name} {lines.Count(x => x.Choice == i)}×"))}; better than today's default on {lines.Count(x => x.Chosen > x.Default)} of {lines.Count} sets, worse on {lines.Count(x => x.Chosen < x.Default)}; median difference {Stats.Median(lines.Select(x => x.Chosen - x.Default)):+0.0000;-0.0000;0}."));
        s.AppendLine().AppendLine(onLogLoss ? "Validation score per set: minus the log-loss on classification sets, the metric on regression sets (mean over the splits; never the test rows):"
                                            : "Validation metric per set (mean over the splits; never the test rows):").AppendLine();
        s.AppendLine("| set | " + string.Join(" | ", candidates.Select(c => c.Name)) + " |").AppendLine("|---|" + string.Concat(candidates.Select(_ => "---|")));
        foreach (var set in sets) s.AppendLine($"| {set} | " + string.Join(" | ", validation[set].Select(v => v.ToString("F4", CultureInfo.InvariantCulture))) + " |");
        string markdown = Path.Combine(dir, "select.md"), csv = Path.Combine(dir, "select.csv");
        File.WriteAllText(markdown, s.ToString());
        var c = new StringBuilder("set,candidate,validation,chosen_without_set,test_chosen,test_default\n");
        foreach (var (set, choice, chosen, @default, _, _) in lines)
            for (int i = 0; i < candidates.Length; i++)
                c.AppendLine(Invariant($"{set},\"{candidates[i].Name}\",{validation[set][i]:R},{(i == choice ? 1 : 0)},{(i == choice ? chosen : double.NaN):R},{@default:R}"));
        File.WriteAllText(csv, c.ToString());
        return new[] { markdown, csv };
    }

    private static string LogLoss(double value) => double.IsNaN(value) ? "" : value.ToString("F4", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
