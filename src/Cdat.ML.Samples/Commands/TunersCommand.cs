using System.CommandLine;
using System.Globalization;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Datasets;
using Cdat.ML.Samples.Output;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using Spectre.Console;

namespace Cdat.ML.Samples.Commands;

/// <summary>Full batch: a constant-rate grid against CDAT σ = 1 and σ = 2, Armijo and Polyak, with GD and with Adam.</summary>
internal static class TunersCommand
{
    public static Command Create()
    {
        var command = new Command("tuners", "Full batch: constant-lr grid vs CDAT (sigma 1 and 2), Armijo and Polyak SPS_max, with GD and Adam.");
        var common = new CommonOptions(loss: "mse", hidden: "32,32", steps: 1000);
        common.AddTo(command);
        var directions = new Option<string>("--directions") { Description = "Directions to compare", DefaultValueFactory = _ => "gd,adam" };
        var gdRates = new Option<string>("--lr-grid") { Description = "Constant learning rates for GD", DefaultValueFactory = _ => "0.1,0.25,0.5,0.75" };
        var adamRates = new Option<string>("--adam-lr-grid") { Description = "Constant learning rates for Adam", DefaultValueFactory = _ => "0.001,0.003,0.01,0.03" };
        var every = new Option<int>("--sharpness-every") { Description = "Steps between sharpness measurements", DefaultValueFactory = _ => 20 };
        foreach (var o in new Option[] { directions, gdRates, adamRates, every }) command.Options.Add(o);
        CommandRunner.SetAction(command, result =>
        {
            var s = common.Read(result, "tuners");
            double[] Grid(Option<string> o) => CommonOptions.Numbers(o.Name, result.GetValue(o)!);
            return Run(s, result.GetValue(directions)!.Split(','), Grid(gdRates), Grid(adamRates), result.GetValue(every));
        });
        return command;
    }

    public static int Run(Settings s, string[] directions, double[] gdRates, double[] adamRates, int every)
    {
        var data = SampleData.Load(s.Dataset, s.Label, s.Seed, limit: s.Limit);
        AnsiConsole.MarkupLine($"[bold]tuners[/]: {Markup.Escape(s.Describe())}");
        var files = new List<string>();
        foreach (var direction in directions)
        {
            var grid = direction == "adam" ? adamRates : gdRates;
            var candidates = grid.Select(lr => ($"constant lr={lr.ToString(CultureInfo.InvariantCulture)}", (Func<ILearningRateTuner>)(() => new ConstantTuner(lr))))
                .Concat(new (string, Func<ILearningRateTuner>)[]
                {
                    ("CDAT sigma=1 (greedy)", () => CdatTuner.QuadraticallyGreedy()),
                    ("CDAT sigma=2", () => new CdatTuner(sigma: 2, beta: 0)),
                    ("Armijo (optax, cap 10)", () => ArmijoTuner.FromPreset(ArmijoPreset.Optax, maxLearningRate: 10)),
                    ("Polyak SPS_max (cap 10)", () => new PolyakTuner(maxLearningRate: 10)),
                }).ToArray();
            var runs = Experiment.RunAll(candidates.Select(c => ($"{direction}: {c.Item1}", (Func<ProgressTask, TrainingResult>)(task =>
                Experiment.Run(data, s, c.Item2(), every, direction, task)))), s.Steps);

            var table = new Table().Title($"{direction}").AddColumns("tuner", "final loss", "mean lr", "mean edge", "late edge", "max sharpness", "trials/step", "ms/step");
            foreach (var (name, r) in runs)
            {
                var edges = r.Steps.Where(x => x.Edge is not null).Select(x => x.Edge!.Value).ToArray();
                var ratios = r.Steps.Where(x => x.StabilityRatio is not null).Select(x => x.StabilityRatio!.Value).ToArray();
                table.AddRow(Markup.Escape(name[(direction.Length + 2)..]), $"{Experiment.FinalLoss(r):G4}", $"{r.Steps.Average(x => x.LearningRate):G3}",
                    edges.Length > 0 ? $"{edges.Average():F2}" : "-", $"{Experiment.LateEdge(r):F2}",
                    $"{r.Steps.Max(x => x.Sharpness ?? 0):G4}", $"{r.Steps.Average(x => x.Trials):F1}", $"{r.Steps.Average(x => x.Milliseconds):F2}");
                string csv = Path.Combine(s.OutputDirectory, DefaultRun.Slug(name) + ".csv");
                StepCsv.Write(csv, r.Steps);
                files.Add(csv);
            }
            AnsiConsole.Write(table);
            var best = runs.OrderBy(x => Experiment.FinalLoss(x.Result)).First();
            var bestConstant = runs.Where(x => x.Name.Contains("constant")).OrderBy(x => Experiment.FinalLoss(x.Result)).First();
            AnsiConsole.MarkupLine($"{direction}: lowest final loss [bold]{Markup.Escape(best.Name)}[/] ({Experiment.FinalLoss(best.Result):G4}); best constant {Markup.Escape(bestConstant.Name)} ({Experiment.FinalLoss(bestConstant.Result):G4}).");
            if (direction is "adam" or "rmsprop")
                AnsiConsole.MarkupLine("[grey]edge here is lr·λmax(H)/2; for adaptive directions the stability ratio uses the preconditioned sharpness (threshold 38/lr for Adam), recorded in the CSV column stability_ratio.[/]");

            var shown = runs.Where(x => !x.Name.Contains("constant") || x.Name == bestConstant.Name).ToArray();
            Charts.Series Line(string n, TrainingResult r, Func<Diagnostics.StepRecord, double?> y) =>
                new(n, r.Steps.Where(x => y(x) is not null).Select(x => (double)x.Step).ToArray(), r.Steps.Where(x => y(x) is not null).Select(x => y(x)!.Value).ToArray());
            files.Add(Charts.Lines(Path.Combine(s.OutputDirectory, $"{direction}-loss.png"), $"{direction}: training loss", "step", "loss", shown.Select(x => Line(x.Name, x.Result, r => r.Loss)), logY: true));
            files.Add(Charts.Lines(Path.Combine(s.OutputDirectory, $"{direction}-lr.png"), $"{direction}: learning rate", "step", "lr", shown.Select(x => Line(x.Name, x.Result, r => r.LearningRate > 0 ? r.LearningRate : null)), logY: true));
            files.Add(Charts.Lines(Path.Combine(s.OutputDirectory, $"{direction}-edge.png"), $"{direction}: lr × sharpness / 2", "step", "edge", shown.Select(x => Line(x.Name, x.Result, r => r.Edge)),
                horizontal: new[] { ("edge of stability", 1.0) }));
            files.Add(Charts.Lines(Path.Combine(s.OutputDirectory, $"{direction}-sharpness.png"), $"{direction}: sharpness", "step", "top Hessian eigenvalue", shown.Select(x => Line(x.Name, x.Result, r => r.Sharpness)), logY: true));
        }
        CommandRunner.Wrote(s.OutputDirectory, files.ToArray());
        return 0;
    }
}
