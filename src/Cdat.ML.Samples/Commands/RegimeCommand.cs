using System.CommandLine;
using System.Globalization;
using System.Text;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Datasets;
using Cdat.ML.Samples.Suite;
using Microsoft.ML;
using Spectre.Console;

namespace Cdat.ML.Samples.Commands;

/// <summary>
/// The measurements behind the trainer's default regime: on the suite's sets, Cdat with every batch size × σ of a grid,
/// everything else at its defaults, scored on a validation fifth of the suite's training rows (the test rows are never
/// read). Writes regime.md and regime.csv.
/// </summary>
internal static class RegimeCommand
{
    private const int SplitSeed = 1;

    public static Command Create()
    {
        var command = new Command("regime", "Measures Cdat's batch size × σ grid (other options at their defaults) on the suite's sets, on a validation split of the training rows: the table behind the default regime.");
        var sets = new Option<string>("--sets") { Description = "Comma-separated suite data sets", DefaultValueFactory = _ => "adult,bike-sharing,covertype,sms-spam,news" };
        var batches = new Option<string>("--batches") { Description = "Batch sizes (0: the trainer's choice)", DefaultValueFactory = _ => "64,128,256,512" };
        var sigmas = new Option<string>("--sigmas") { Description = "CDAT σ values (0: the trainer's choice)", DefaultValueFactory = _ => "0.5,1,2,4" };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per cell (median, range)", DefaultValueFactory = _ => 1 };
        var rows = new Option<int?>("--rows") { Description = "At most this many training rows per set" };
        var steps = new Option<long?>("--steps") { Description = "Total steps (MaxSteps); default the trainer's budget" };
        var average = new Option<double?>("--average") { Description = "End with a running average of the weights of this decay (e.g. 0.99); default the trainer's" };
        var noise = new Option<bool>("--noise-corrected") { Description = "CDAT's numerator corrected for mini-batch noise (CdatRule.NoiseCorrected)" };
        var curvatureEvery = new Option<int>("--curvature-every") { Description = "Measure uᵀHu every this many steps, extrapolating in between (CurvatureEvery; default 1)", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out") { Description = "Output folder (default out/regime-<time>)" };
        foreach (var o in new Option[] { sets, batches, sigmas, seeds, rows, steps, average, noise, curvatureEvery, output }) command.Options.Add(o);
        CommandRunner.SetAction(command, result =>
        {
            var names = result.GetValue(sets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var unknown = names.Where(n => SuiteSet.All.All(s => s.Name != n)).ToArray();
            if (unknown.Length > 0) throw new ArgumentException($"Unknown data set(s) {string.Join(", ", unknown)}; known: {string.Join(", ", SuiteSet.All.Select(s => s.Name))}.");
            int[] batchGrid = Parse(result.GetValue(batches)!, "--batches").Select(b => (int)b).ToArray();
            double[] sigmaGrid = Parse(result.GetValue(sigmas)!, "--sigmas");
            int seedCount = result.GetValue(seeds);
            if (seedCount <= 0) throw new ArgumentException("--seeds must be greater than 0.");
            int every = result.GetValue(curvatureEvery);
            if (every <= 0) throw new ArgumentException("--curvature-every must be greater than 0.");
            string dir = result.GetValue(output) ?? Path.Combine("out", "regime-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);

            var md = new StringBuilder("| data | batch | σ | validation metric | range | steps | stop | mean rate | final rate | fit s |\n|---|---|---|---|---|---|---|---|---|---|\n");
            var csv = new StringBuilder("set,batch,sigma,seed,metric,second,steps,epochs,stop,mean_rate,final_rate,seconds\n");
            foreach (var set in SuiteSet.All.Where(s => names.Contains(s.Name)))
            {
                if (set.Name == "fashion-mnist" && !FashionMnist.Available) { AnsiConsole.MarkupLine($"[yellow]fashion-mnist skipped: {Markup.Escape(FashionMnist.InstallHint)}[/]"); continue; }
                var ml = new MLContext(seed: 0);
                var (rawTrain, _) = set.Split(ml, SplitSeed, result.GetValue(rows));
                var split = ml.Data.TrainTestSplit(rawTrain, testFraction: 0.2, seed: SplitSeed + 1);
                var prep = set.Prep(ml).Fit(split.TrainSet);
                var train = ml.Data.Cache(prep.Transform(split.TrainSet));
                var validation = ml.Data.Cache(prep.Transform(split.TestSet));
                AnsiConsole.MarkupLine($"[bold]{set.Name}[/] ({Markup.Escape(set.Description)}); metric: {SuiteScore.Names(set.Task).First} on the validation split");
                foreach (int batch in batchGrid)
                    foreach (double sigma in sigmaGrid)
                    {
                        var runs = new List<(SuiteScore Score, CdatTrainingMetrics Metrics)>();
                        for (int seed = 0; seed < seedCount; seed++)
                        {
                            var options = new CdatTrainer.Options { Seed = seed, BatchSize = batch > 0 ? batch : null, Tuner = new CdatRule { Sigma = sigma > 0 ? sigma : null, NoiseCorrected = result.GetValue(noise) }, CurvatureEvery = every };
                            if (result.GetValue(average) is double beta) options.WeightAverageDecay = beta;
                            if (result.GetValue(steps) is long total) options.MaxSteps = total;
                            var clock = System.Diagnostics.Stopwatch.StartNew();
                            var model = (CdatTransformer)SuiteTrainer.Cdat(ml, set.Task, options).Fit(train);
                            clock.Stop();
                            var score = SuiteScore.Evaluate(ml, set.Task, model, validation, clock.Elapsed.TotalSeconds);
                            var m = model.Model.TrainingMetrics;
                            runs.Add((score, m));
                            csv.AppendLine(Invariant($"{set.Name},{batch},{sigma},{seed},{score.Metric:R},{score.Second:R},{m.Steps},{m.Epochs},{m.StopReason},{m.MeanLearningRate:R},{m.FinalLearningRate:R},{score.Seconds:R}"));
                        }
                        var metric = runs.Select(r => r.Score.Metric).Order().ToArray();
                        string line = Invariant($"| {set.Name} | {(batch > 0 ? batch.ToString(CultureInfo.InvariantCulture) : "auto")} | {(sigma > 0 ? sigma.ToString(CultureInfo.InvariantCulture) : "auto")} | {Stats.Median(metric):F4} | {(metric.Length > 1 ? Invariant($"{metric[0]:F4}-{metric[^1]:F4}") : "")} | {Stats.Median(runs.Select(r => (double)r.Metrics.Steps)):F0} | {string.Join("/", runs.Select(r => r.Metrics.StopReason).Distinct())} | {Stats.Median(runs.Select(r => r.Metrics.MeanLearningRate)):G3} | {Stats.Median(runs.Select(r => r.Metrics.FinalLearningRate)):G3} | {Stats.Median(runs.Select(r => r.Score.Seconds)):F1} |");
                        md.AppendLine(line);
                        AnsiConsole.WriteLine(line);
                    }
            }
            File.WriteAllText(Path.Combine(dir, "regime.md"), md.ToString());
            File.WriteAllText(Path.Combine(dir, "regime.csv"), csv.ToString());
            CommandRunner.Wrote(dir, new[] { Path.Combine(dir, "regime.md"), Path.Combine(dir, "regime.csv") });
            return 0;
        });
        return command;
    }

    private static double[] Parse(string list, string option)
    {
        try
        {
            var values = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            if (values.Length == 0 || values.Any(v => v < 0 || !double.IsFinite(v))) throw new FormatException();
            return values;
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{option} must be a comma-separated list of numbers ≥ 0, e.g. 64,128.");
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
