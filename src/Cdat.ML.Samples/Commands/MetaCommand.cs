using System.CommandLine;
using System.Globalization;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Datasets;
using Cdat.ML.Samples.Suite;
using Microsoft.ML;
using Spectre.Console;

namespace Cdat.ML.Samples.Commands;

/// <summary>
/// The meta-benchmark: on every data set of a manifest folder (the 17 shipped tabular sets by default) and the suite's
/// sets, over several seeded 80/20 splits, Cdat at its defaults beside LightGbm, FastTree, SDCA, L-BFGS and the Adam
/// oracle (the same network at the best of six rates, chosen on a validation fifth). Per set and over all sets: the
/// metrics, the gap to the best trainer and to LightGbm, ranks, wins, log-loss against ML.NET's best and fit times.
/// </summary>
internal static class MetaCommand
{
    private const int QuickRows = 400;
    internal const string Cdat = "Cdat (defaults)", Oracle = "Adam oracle";

    /// <summary>A set as it ran: its task and the training rows and features of its first split.</summary>
    internal sealed record SetInfo(string Name, CdatTask Task, long TrainRows, int Features, string Description);

    public static Command Create()
    {
        var command = new Command("meta", "Meta-benchmark: Cdat at its defaults beside LightGbm, FastTree, SDCA, L-BFGS and a tuned Adam oracle on many data sets (a manifest folder and the suite's sets), over seeded splits, with ranks, wins and gaps.");
        var data = new Option<string?>("--data") { Description = "Folder with a manifest.csv (default: the shipped meta-benchmark, data/meta)" };
        var sets = new Option<string?>("--sets") { Description = "Comma-separated data sets (default all of the folder's and the suite's)" };
        var noSuite = new Option<bool>("--no-suite") { Description = "Only the folder's sets, not the suite's" };
        var quick = new Option<bool>("--quick") { Description = $"Subsets of at most {QuickRows} training rows, one split" };
        var seeds = new Option<int?>("--seeds") { Description = "Seeded 80/20 splits per set (default 3, 1 with --quick)" };
        var rows = new Option<int?>("--rows") { Description = "At most this many training rows per set (test: half as many)" };
        var noOracle = new Option<bool>("--no-oracle") { Description = "Skip the Adam oracle (7 fits per split)" };
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Numbers mean-imputed but not standardised, as a pipeline that forgets the normaliser (the folder's sets only)" };
        var output = new Option<string?>("--out") { Description = "Output folder (default out/meta-<time>)" };
        foreach (var o in new Option[] { data, sets, noSuite, quick, seeds, rows, noOracle, noNormalize, output }) command.Options.Add(o);
        CommandRunner.SetAction(command, result =>
        {
            bool isQuick = result.GetValue(quick);
            int seedCount = result.GetValue(seeds) ?? (isQuick ? 1 : 3);
            if (seedCount <= 0) throw new ArgumentException("--seeds must be greater than 0.");
            int? limit = result.GetValue(rows) ?? (isQuick ? QuickRows : null);
            if (limit is <= 10) throw new ArgumentException("--rows must be greater than 10.");
            var all = MetaSets.Read(result.GetValue(data) ?? MetaSets.ShippedFolder, normalize: !result.GetValue(noNormalize)).ToList();
            if (!result.GetValue(noSuite)) all.AddRange(SuiteSet.All.Where(s => all.All(a => a.Name != s.Name)));
            var chosen = SuiteSet.Pick(all, result.GetValue(sets));
            string dir = result.GetValue(output) ?? Path.Combine("out", "meta-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);

            var report = new List<SuiteCommand.Row>();
            var infos = new List<SetInfo>();
            var skipped = new List<string>();
            string mode = (isQuick ? "--quick" : limit is int l ? $"--rows {l}" : "all rows") + $", {seedCount} split(s)";
            foreach (var set in chosen)
            {
                if (set.Name == "fashion-mnist" && !FashionMnist.Available)
                {
                    skipped.Add($"fashion-mnist skipped: {FashionMnist.InstallHint}");
                    AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(skipped[^1])}[/]");
                    continue;
                }
                var (rowsOfSet, info) = RunSet(set, limit, seedCount, !result.GetValue(noOracle));
                report.AddRange(rowsOfSet);
                infos.Add(info);
                // Written after every set, so that a long run that stops keeps what it finished.
                MetaReport.Write(dir, report, infos, skipped, mode);
            }
            var files = MetaReport.Write(dir, report, infos, skipped, mode);
            AnsiConsole.Write(new Markup(Markup.Escape(MetaReport.Summary(report, infos))));
            CommandRunner.Wrote(dir, files);
            return 0;
        });
        return command;
    }

    /// <summary>Every trainer on every split of one set.</summary>
    private static (List<SuiteCommand.Row> Rows, SetInfo Info) RunSet(SuiteSet set, int? limit, int seedCount, bool oracle)
    {
        var scores = new List<(string Trainer, List<SuiteScore> Runs)>();
        var cdatRuns = new List<CdatTrainingMetrics>();
        SetInfo? info = null;
        for (int seed = 1; seed <= seedCount; seed++)
        {
            var ml = new MLContext(seed: seed);
            var (rawTrain, rawTest) = set.Split(ml, seed, limit);
            var prep = set.Prep(ml).Fit(rawTrain);
            var train = ml.Data.Cache(prep.Transform(rawTrain));
            var test = ml.Data.Cache(prep.Transform(rawTest));
            if (info is null)
            {
                int features = (train.Schema["Features"].Type as Microsoft.ML.Data.VectorDataViewType)?.Size ?? 1;
                info = new SetInfo(set.Name, set.Task, SuiteCommand.Count(train), features, set.Description);
                AnsiConsole.MarkupLine($"[bold]{set.Name}[/]: {info.TrainRows} training rows, {features} features ({Markup.Escape(set.Description)})");
            }
            AnsiConsole.Markup($"  split {seed}:");
            void Add(string name, SuiteScore score)
            {
                AnsiConsole.Markup(Markup.Escape(Invariant($" {name} {score.Metric:F4};")));
                var entry = scores.FirstOrDefault(s => s.Trainer == name);
                if (entry.Runs is null) scores.Add((name, new List<SuiteScore> { score }));
                else entry.Runs.Add(score);
            }
            foreach (var trainer in SuiteTrainer.MLNet(set.Task))
                Add(trainer.Name, trainer.Run(ml, set.Task, train, test, seed));
            int s = seed;
            Add(Cdat, new SuiteTrainer(Cdat, (c, _) => SuiteTrainer.Cdat(c, set.Task, new CdatTrainer.Options { Seed = s }))
                .Run(ml, set.Task, train, test, s, model => cdatRuns.Add(((CdatTransformer)model).TrainingMetrics)));
            if (oracle)
                Add(Oracle, SuiteCommand.TunedOnValidation(ml, set.Task, train, test, "lr", SuiteCommand.MetaOracleRates,
                    lr => new() { Tuner = new ConstantRule(lr), Direction = new AdamRule() }).Score);
            AnsiConsole.WriteLine();
        }

        var regime = cdatRuns[0].Regime;
        string cdatNote = Invariant($"{(regime.IsFullBatch ? "full batch" : $"batches of {regime.BatchSize}")}; early stop {cdatRuns.Count(r => r.StopReason == "EarlyStopped")}/{cdatRuns.Count}; rolled back {cdatRuns.Count(r => r.RolledBack)}/{cdatRuns.Count}");
        double reference = Stats.Median(scores.First(x => x.Trainer == "LightGbm").Runs.Select(r => r.Seconds));
        var rows = scores.Select(x =>
        {
            var metric = x.Runs.Select(r => r.Metric).Order().ToArray();
            double seconds = Stats.Median(x.Runs.Select(r => r.Seconds));
            return new SuiteCommand.Row(set.Name, set.Task, x.Trainer, Stats.Median(metric), metric[0], metric[^1], Stats.Median(x.Runs.Select(r => r.Second)),
                                        seconds, seconds / Math.Max(reference, 1e-3), x.Trainer == Cdat ? cdatNote : "", Stats.Median(x.Runs.Select(r => r.LogLoss)));
        }).ToList();
        return (rows, info!);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
