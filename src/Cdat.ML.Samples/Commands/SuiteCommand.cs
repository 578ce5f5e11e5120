using System.CommandLine;
using System.Globalization;
using Cdat.ML.Directions;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Datasets;
using Cdat.ML.Samples.Suite;
using Microsoft.ML;
using Spectre.Console;

namespace Cdat.ML.Samples.Commands;

/// <summary>
/// The benchmark suite: on each data set, in one process and on the same seeded split, the Cdat trainer at its defaults
/// (several seeds), ML.NET's own trainers at theirs, schedule-free AdamW and Prodigy in the same trainer, and three networks
/// tuned on a validation split, at as many seeds: "oracles" trained by Adam at the best constant rate of a grid and at the
/// best peak of a warm-up + cosine schedule, and schedule-free AdamW at the best η of a grid. Writes a markdown table, a CSV file and a chart of metric against fit time.
/// </summary>
internal static class SuiteCommand
{
    /// <summary>The oracles' grid of Adam learning rates (and the warm-up + cosine oracle's peaks): 1e-4 to 0.1, one step beyond the 3e-2 at which the best sat on some sets.</summary>
    public static readonly double[] OracleRates = { 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1 };
    /// <summary>The meta-benchmark's Adam oracle grid, on which its published tables were measured.</summary>
    public static readonly double[] MetaOracleRates = OracleRates[..^1];

    private const int SplitSeed = 1, QuickRows = 400;

    /// <summary>One row of the report.</summary>
    internal sealed record Row(string Set, CdatTask Task, string Trainer, double Metric, double MetricLow, double MetricHigh,
                               double Second, double Seconds, double Ratio, string Note, double LogLoss = double.NaN);

    public static Command Create()
    {
        var command = new Command("suite", "Benchmark: Cdat at its defaults beside ML.NET's SDCA, L-BFGS, FastTree and LightGbm, schedule-free AdamW and Prodigy in the same trainer, and an Adam oracle and schedule-free AdamW with their rates tuned on a validation split, on real tabular, text and image data.");
        var quick = new Option<bool>("--quick") { Description = $"Subsets of at most {QuickRows} training rows, one seed: a few minutes on two cores" };
        var sets = new Option<string?>("--sets") { Description = $"Comma-separated data sets (default all): {string.Join(", ", SuiteSet.All.Select(s => s.Name))}" };
        var seeds = new Option<int?>("--seeds") { Description = "Seeds of every network row, the tuned ones included (median and range; default 3, 1 with --quick)" };
        var rows = new Option<int?>("--rows") { Description = "At most this many training rows per set (test: half as many)" };
        var output = new Option<string?>("--out") { Description = "Output folder (default out/suite-<time>)" };
        foreach (var o in new Option[] { quick, sets, seeds, rows, output }) command.Options.Add(o);
        CommandRunner.SetAction(command, result =>
        {
            bool isQuick = result.GetValue(quick);
            int seedCount = result.GetValue(seeds) ?? (isQuick ? 1 : 3);
            if (seedCount <= 0) throw new ArgumentException("--seeds must be greater than 0.");
            int? limit = result.GetValue(rows) ?? (isQuick ? QuickRows : null);
            if (limit is <= 10) throw new ArgumentException("--rows must be greater than 10.");
            var chosen = SuiteSet.Pick(SuiteSet.All, result.GetValue(sets));
            string dir = result.GetValue(output) ?? Path.Combine("out", "suite-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);

            var report = new List<Row>();
            var skipped = new List<string>();
            foreach (var set in chosen)
            {
                if (set.Name == "fashion-mnist" && !FashionMnist.Available)
                {
                    skipped.Add($"fashion-mnist skipped: {FashionMnist.InstallHint}");
                    AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(skipped[^1])}[/]");
                    continue;
                }
                report.AddRange(RunSet(set, limit, seedCount));
                Show(set, report.Where(r => r.Set == set.Name).ToList());
            }
            var files = SuiteReport.Write(dir, report, chosen.Where(s => report.Any(r => r.Set == s.Name)).ToList(), skipped,
                                          isQuick ? "--quick" : limit is int l ? $"--rows {l}" : "full", seedCount);
            CommandRunner.Wrote(dir, files);
            return 0;
        });
        return command;
    }

    /// <summary>Every trainer on one data set, in this process, on the same split.</summary>
    private static List<Row> RunSet(SuiteSet set, int? limit, int seedCount)
    {
        var ml = new MLContext(seed: 0);
        var (rawTrain, rawTest) = set.Split(ml, SplitSeed, limit);
        var prep = set.Prep(ml).Fit(rawTrain);
        // Prepared once and cached, so that every trainer's fit time is its own.
        var train = ml.Data.Cache(prep.Transform(rawTrain));
        var test = ml.Data.Cache(prep.Transform(rawTest));
        long trainRows = Count(train), testRows = Count(test);
        int features = (train.Schema["Features"].Type as Microsoft.ML.Data.VectorDataViewType)?.Size ?? 1;
        AnsiConsole.MarkupLine($"[bold]{set.Name}[/]: {trainRows} training rows, {testRows} test rows, {features} features ({Markup.Escape(set.Description)})");

        var scores = new List<(string Trainer, List<SuiteScore> Runs, string Note)>();
        void Add(string name, Func<SuiteScore> run) => AddWithNote(name, () => (run(), ""));
        void AddWithNote(string name, Func<(SuiteScore Score, string Note)> run)
        {
            AnsiConsole.Markup($"  {Markup.Escape(name)}... ");
            var (score, note) = run();
            AnsiConsole.MarkupLine(Invariant($"{score.Metric:F4} in {score.Seconds:F1} s"));
            int at = scores.FindIndex(s => s.Trainer == name);
            if (at < 0) scores.Add((name, new List<SuiteScore> { score }, note));
            else scores[at] = (name, scores[at].Runs.Append(score).ToList(), note);   // the latest note speaks for every run
        }

        foreach (var trainer in SuiteTrainer.MLNet(set.Task))
            Add(trainer.Name, () => trainer.Run(ml, set.Task, train, test, 0));
        var runs = new List<CdatTrainingMetrics>();
        for (int seed = 0; seed < seedCount; seed++)
        {
            int s = seed;
            Add("Cdat (defaults)", () => new SuiteTrainer("Cdat", (c, _) => SuiteTrainer.Cdat(c, set.Task, new CdatTrainer.Options { Seed = s }))
                .Run(ml, set.Task, train, test, s, model => runs.Add(((CdatTransformer)model).TrainingMetrics)));
        }
        // The learning-rate-free optimizers a user might pick instead, in the same trainer (same network, batches, early stopping).
        foreach (var (name, direction) in new (string, Func<DirectionRule>)[]
                 { (Invariant($"Schedule-free AdamW (η {ScheduleFreeAdamWDirection.DefaultLearningRate:G2})"), () => new ScheduleFreeAdamWRule()), ("Prodigy", () => new ProdigyRule()) })
            for (int seed = 0; seed < seedCount; seed++)
            {
                int s = seed;
                Add(name, () => new SuiteTrainer(name, (c, _) => SuiteTrainer.Cdat(c, set.Task, OwnStepLength(direction(), s))).Run(ml, set.Task, train, test, s));
            }
        // The tuned rows, like Cdat's: each seed tunes its rate on its own validation split and trains at it.
        foreach (var (name, rateName, rates, options) in new (string, string, double[], Func<double, CdatTrainer.Options>)[]
                 {
                     ("Adam oracle", "lr", OracleRates, lr => new() { Tuner = new ConstantRule(lr), Direction = new AdamRule() }),
                     ("Warm-up + cosine oracle", "peak", OracleRates, peak => new() { Tuner = new ScheduleRule { PeakLearningRate = peak, WarmupFraction = 0.05 }, Direction = new AdamRule() }),
                     ("Schedule-free AdamW (η tuned)", "η", Experiment.ScheduleFreeRates, η => OwnStepLength(new ScheduleFreeAdamWRule { LearningRate = η }, 0)),
                 })
        {
            var seeds = new List<(double Rate, double Low, double High)>();
            double grid = 0;
            for (int seed = 0; seed < seedCount; seed++)
            {
                int s = seed;
                AddWithNote(name, () =>
                {
                    var tuned = Tune(ml, set.Task, train, test, rates, options, s, MaxGridExtensions);
                    seeds.Add((tuned.Rate, tuned.Low, tuned.High));
                    grid += tuned.GridSeconds;
                    return (tuned.Score, GridNote(rateName, rates, seeds, grid / seeds.Count));
                });
            }
        }

        // How the default runs went: regime, stops, rollbacks, and the worst end-to-best training loss.
        var regime = runs[0].Regime;
        string cdatNote = Invariant($"{(regime.IsFullBatch ? "full batch" : $"batches of {regime.BatchSize}")}; early stop {runs.Count(r => r.StopReason == "EarlyStopped")}/{runs.Count}; rolled back {runs.Count(r => r.RolledBack)}/{runs.Count}; final/best loss ≤ {runs.Max(r => r.FinalTrainingLoss / r.BestTrainingLoss):F1}");
        AnsiConsole.MarkupLine(Markup.Escape("  Cdat runs: " + cdatNote));
        var cdat = scores.FindIndex(s => s.Trainer == "Cdat (defaults)");
        scores[cdat] = scores[cdat] with { Note = cdatNote };
        double reference = scores.First(s => s.Trainer == "LightGbm").Runs[0].Seconds;
        return scores.Select(s =>
        {
            var metric = s.Runs.Select(r => r.Metric).Order().ToArray();
            double seconds = Stats.Median(s.Runs.Select(r => r.Seconds));
            return new Row(set.Name, set.Task, s.Trainer, Stats.Median(metric), metric[0], metric[^1], Stats.Median(s.Runs.Select(r => r.Second)), seconds,
                           seconds / reference, s.Runs.Count > 1 ? $"{s.Runs.Count} seeds" + (s.Note.Length > 0 ? "; " + s.Note : "") : s.Note);
        }).ToList();
    }

    /// <summary>A direction that sets its own step length (schedule-free AdamW, Prodigy), at a unit rate.</summary>
    private static CdatTrainer.Options OwnStepLength(DirectionRule direction, int seed) => new() { Seed = seed, Direction = direction, Tuner = new ConstantRule(1) };

    /// <summary>
    /// The same network as Cdat's default, trained with <paramref name="options"/> (seed 0) at each rate of the grid on
    /// 80% of the training rows, the rate chosen by the validation 20%'s metric, then refitted on all training rows at
    /// that rate; the note names the rate (<paramref name="rateName"/>) and the grid's time.
    /// </summary>
    internal static (SuiteScore Score, string Note) TunedOnValidation(MLContext ml, CdatTask task, IDataView train, IDataView test,
                                                                    string rateName, double[] rates, Func<double, CdatTrainer.Options> options)
    {
        var tuned = Tune(ml, task, train, test, rates, options, seed: 0, extensions: 0);
        return (tuned.Score, GridNote(rateName, rates, new[] { (tuned.Rate, tuned.Low, tuned.High) }, tuned.GridSeconds));
    }

    /// <summary>Half-decade steps the suite's grids may take past an end the best rate sits on, each way.</summary>
    internal const int MaxGridExtensions = 3;

    /// <summary>
    /// Seed <paramref name="seed"/>'s tuned run: each rate of the grid trained on 80% of the training rows (a split of its
    /// own), the rate with the best validation metric refitted on all training rows; its test score, rate, the lowest and
    /// highest rates tried, and the grid time. Where the best rate sits at an end of the grid, the grid goes on past it a
    /// half-decade at a time (1, 3, 10, ...; at most <paramref name="extensions"/> steps) until it brackets the best.
    /// </summary>
    private static (SuiteScore Score, double Rate, double Low, double High, double GridSeconds) Tune(MLContext ml, CdatTask task, IDataView train, IDataView test,
                                                                                                     double[] rates, Func<double, CdatTrainer.Options> options, int seed, int extensions)
    {
        CdatTrainer.Options At(double rate)
        {
            var o = options(rate);
            o.Seed = seed;
            return o;
        }
        var split = ml.Data.TrainTestSplit(train, testFraction: 0.2, seed: SplitSeed + 1 + seed);
        double best = double.NegativeInfinity, bestRate = rates[0], grid = 0, low = rates.Min(), high = rates.Max();
        void Try(double rate)
        {
            var score = new SuiteTrainer("tuned", (c, _) => SuiteTrainer.Cdat(c, task, At(rate))).Run(ml, task, split.TrainSet, split.TestSet, seed);
            grid += score.Seconds;
            if (score.Metric > best) (best, bestRate) = (score.Metric, rate);
        }
        foreach (double rate in rates) Try(rate);
        for (int up = 0; up < extensions && bestRate == high; up++) Try(high = HalfDecade(high, up: true));
        for (int down = 0; down < extensions && bestRate == low; down++) Try(low = HalfDecade(low, up: false));
        var final = new SuiteTrainer("tuned", (c, _) => SuiteTrainer.Cdat(c, task, At(bestRate))).Run(ml, task, train, test, seed);
        return (final, bestRate, low, high, grid);
    }

    /// <summary>The next rate of a 1-3-10 grid above or below <paramref name="rate"/> (0.1 → 0.3 → 1; 0.0025 → 0.001).</summary>
    internal static double HalfDecade(double rate, bool up)
    {
        double decade = Math.Pow(10, Math.Floor(Math.Log10(rate) + 1e-9));
        double mantissa = rate / decade;
        return up ? (mantissa < 3 - 1e-9 ? 3 * decade : 10 * decade) : (mantissa > 1 + 1e-9 ? (mantissa > 3 + 1e-9 ? 3 * decade : decade) : 0.3 * decade);
    }

    /// <summary>
    /// The rates the seeds chose, the grid where a seed extended it, a warning where one still sits at an end of its own
    /// grid (it may not bracket the best), and the grid's time a seed.
    /// </summary>
    private static string GridNote(string rateName, double[] rates, IReadOnlyList<(double Rate, double Low, double High)> seeds, double gridSeconds)
    {
        string picks = string.Join(", ", seeds.GroupBy(s => s.Rate).OrderBy(g => g.Key).Select(g => seeds.Count > 1 ? Invariant($"{g.Key:G2} ({g.Count()}×)") : Invariant($"{g.Key:G2}")));
        bool top = seeds.Any(s => s.Rate == s.High), bottom = seeds.Any(s => s.Rate == s.Low);
        double low = seeds.Min(s => s.Low), high = seeds.Max(s => s.High);
        string extended = low < rates.Min() || high > rates.Max() ? Invariant($"; grid extended to {low:G2} to {high:G2}") : "";
        string edge = top && bottom ? "; at both ends of the grid" : top ? "; at the top of the grid" : bottom ? "; at the bottom of the grid" : "";
        return Invariant($"{rateName} {picks} chosen on validation{extended}{edge}; grid {gridSeconds:F0} s{(seeds.Count > 1 ? " a seed" : "")}");
    }

    private static void Show(SuiteSet set, List<Row> rows)
    {
        var (first, second) = SuiteScore.Names(set.Task);
        var table = new Table().Title(set.Name).AddColumns("trainer", first, "range", second, "fit s", "× LightGbm", "note");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Trainer), Invariant($"{r.Metric:F4}"), r.MetricLow == r.MetricHigh ? "" : Invariant($"{r.MetricLow:F4}-{r.MetricHigh:F4}"),
                Invariant($"{r.Second:F4}"), Invariant($"{r.Seconds:F1}"), Invariant($"{r.Ratio:F2}"), Markup.Escape(r.Note));
        AnsiConsole.Write(table);
    }

    internal static long Count(IDataView data)
    {
        using var cursor = data.GetRowCursor(data.Schema);
        long n = 0;
        while (cursor.MoveNext()) n++;
        return n;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
