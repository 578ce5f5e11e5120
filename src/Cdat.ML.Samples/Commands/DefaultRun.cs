using System.CommandLine;
using Cdat.ML.Diagnostics;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Output;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;

namespace Cdat.ML.Samples.Commands;

/// <summary>
/// The default run: the ML.NET trainer on the digits data, CDAT (σ = 2, full-batch gradient descent) beside a constant
/// learning rate, with ML.NET's evaluation metrics, a diagnostics table, plots and CSV files.
/// </summary>
internal static class DefaultRun
{
    public static void Configure(RootCommand root)
    {
        var steps = new Option<int>("--steps") { Description = "Full-batch steps of each run", DefaultValueFactory = _ => 400 };
        var lr = new Option<double>("--lr") { Description = "The constant learning rate to compare with", DefaultValueFactory = _ => 0.5 };
        var output = new Option<string?>("--out") { Description = "Output folder (default: out/default-<time>)" };
        root.Options.Add(steps);
        root.Options.Add(lr);
        root.Options.Add(output);
        CommandRunner.SetAction(root, result => Run(result.GetValue(steps), result.GetValue(lr),
            result.GetValue(output) ?? Path.Combine("out", $"default-{DateTime.Now:yyyyMMdd-HHmmss}")));
    }

    private static int Run(int steps, double constantLr, string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        outputDirectory = Path.GetFullPath(outputDirectory);
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromTextFile(Datasets.SampleData.DataPath("digits.csv"), new[]
        {
            new TextLoader.Column("Pixels", DataKind.Single, 0, 63),
            new TextLoader.Column("Digit", DataKind.Single, 64),
        }, separatorChar: ',', hasHeader: true);
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);
        var prep = ml.Transforms.Conversion.MapValueToKey("Label", "Digit").Append(ml.Transforms.NormalizeMeanVariance("Features", "Pixels")).Fit(split.TrainSet);
        var train = prep.Transform(split.TrainSet);
        var test = prep.Transform(split.TestSet);
        AnsiConsole.MarkupLine($"[bold]Digits[/]: {train.GetRowCount() ?? 1438} training and {test.GetRowCount() ?? 359} test images of 64 pixels; " +
                               $"a 64-32-32-10 tanh network, cross-entropy, full-batch gradient descent, {steps} steps, sharpness every 10 steps.");

        var runs = new (string Name, CdatTrainer.Options Options)[]
        {
            ("CDAT sigma=2", Options(steps, new CdatRule { Sigma = 2.0, EmaBeta = 0.0 })),
            ($"constant lr={constantLr}", Options(steps, new ConstantRule(constantLr))),
        };
        var fitted = new List<(string Name, CdatTransformer Model, MulticlassClassificationMetrics Metrics)>();
        AnsiConsole.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                foreach (var (name, options) in runs)
                {
                    var task = ctx.AddTask(Markup.Escape(name), maxValue: steps);
                    options.Progress = new StepCallback(r => task.Value = r.Step);
                    var model = ml.MulticlassClassification.Trainers.Cdat(options).Fit(train);
                    fitted.Add((name, model, ml.MulticlassClassification.Evaluate(model.Transform(test))));
                }
            });

        var table = new Table().AddColumns("run", "test accuracy", "log-loss", "final train loss", "mean lr", "max sharpness", "late edge", "time");
        foreach (var (name, model, metrics) in fitted)
        {
            var m = model.TrainingMetrics;
            double late = Stats.Median(model.TrainingTrace.Where(s => s.Step > steps * 0.7 && s.Edge is not null).Select(s => s.Edge!.Value));
            table.AddRow(name, $"{metrics.MicroAccuracy:P1}", $"{metrics.LogLoss:F3}", $"{m.FinalTrainingLoss:G3}", $"{m.MeanLearningRate:G3}",
                         $"{m.MaxSharpness:G4}", double.IsNaN(late) ? "-" : $"{late:F2}", $"{m.TrainingSeconds:F1} s");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]late edge: median of lr·sharpness/2 over the last 30% of steps (1 = edge of stability for gradient descent).[/]");

        var files = new List<string>();
        foreach (var (name, model, _) in fitted)
        {
            string csv = Path.Combine(outputDirectory, Slug(name) + ".csv");
            StepCsv.Write(csv, model.TrainingTrace);
            files.Add(csv);
        }
        Charts.Series S(string name, CdatTransformer m, Func<StepRecord, double?> y) =>
            new(name, m.TrainingTrace.Where(r => y(r) is not null).Select(r => (double)r.Step).ToArray(), m.TrainingTrace.Where(r => y(r) is not null).Select(r => y(r)!.Value).ToArray());
        files.Add(Charts.Lines(Path.Combine(outputDirectory, "loss.png"), "Training loss", "step", "loss", fitted.Select(f => S(f.Name, f.Model, r => r.Loss)), logY: true));
        files.Add(Charts.Lines(Path.Combine(outputDirectory, "learning-rate.png"), "Learning rate", "step", "lr", fitted.Select(f => S(f.Name, f.Model, r => r.LearningRate)), logY: true));
        files.Add(Charts.Lines(Path.Combine(outputDirectory, "sharpness.png"), "Sharpness against the edge of stability 2/lr", "step", "value",
            fitted.SelectMany(f => new[] { S(f.Name + ": sharpness", f.Model, r => r.Sharpness), S(f.Name + ": 2/lr", f.Model, r => r.Sharpness is null || r.LearningRate <= 0 ? null : 2 / r.LearningRate) }),
            logY: true));
        CommandRunner.Wrote(outputDirectory, files.ToArray());
        return 0;
    }

    // Full batch on every row, for every step: the setting of the edge-of-stability picture.
    private static CdatTrainer.Options Options(int steps, LearningRateRule tuner) => new()
    {
        HiddenLayers = new[] { 32, 32 },
        Direction = new GradientDescentRule(),
        Tuner = tuner,
        BatchSize = CdatTrainer.Options.FullBatch,
        ValidationFraction = 0,
        MaxEpochs = steps,
        SharpnessEvery = 10,
        Seed = 0,
        LogEvery = 0,
    };

    public static string Slug(string name) => new string(name.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) || c == '.' ? c : '-').ToArray()).Trim('-');
}
