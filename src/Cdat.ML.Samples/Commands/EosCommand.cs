using System.CommandLine;
using System.Globalization;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Datasets;
using Cdat.ML.Samples.Output;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using Spectre.Console;

namespace Cdat.ML.Samples.Commands;

/// <summary>Full-batch gradient descent at constant learning rates: progressive sharpening, then sharpness at 2/lr.</summary>
internal static class EosCommand
{
    public static Command Create()
    {
        var command = new Command("eos", "Edge of stability: full-batch GD at constant learning rates; sharpness rises, then hovers at 2/lr.");
        var common = new CommonOptions(loss: "mse", hidden: "32,32", steps: 600);
        common.AddTo(command);
        var lrs = new Option<string>("--lr") { Description = "Comma-separated learning rates", DefaultValueFactory = _ => "0.1,0.2,0.4,0.5" };
        var every = new Option<int>("--sharpness-every") { Description = "Steps between sharpness measurements", DefaultValueFactory = _ => 10 };
        var seeds = new Option<int>("--seeds") { Description = "Also repeat over seeds 0..N-1 and write eos.md (median and range)", DefaultValueFactory = _ => 1 };
        command.Options.Add(lrs);
        command.Options.Add(every);
        command.Options.Add(seeds);
        CommandRunner.SetAction(command, result =>
        {
            var s = common.Read(result, "eos");
            var rates = CommonOptions.Numbers(lrs.Name, result.GetValue(lrs)!);
            int code = Run(s, rates, result.GetValue(every));
            int n = result.GetValue(seeds);
            return code == 0 && n > 1 ? Summarise(s, rates, result.GetValue(every), n) : code;
        });
        return command;
    }

    public static int Run(Settings s, double[] rates, int every)
    {
        var data = SampleData.Load(s.Dataset, s.Label, s.Seed, limit: s.Limit);
        AnsiConsole.MarkupLine($"[bold]eos[/]: {Markup.Escape(s.Describe())}");
        var runs = Experiment.RunAll(rates.Select(lr => ($"lr={lr}", (Func<ProgressTask, TrainingResult>)(task =>
            Experiment.Run(data, s, new ConstantTuner(lr), every, progress: task)))), s.Steps);

        var table = new Table().AddColumns("lr", "2/lr", "initial sharpness", "peak sharpness", "plateau sharpness (last 30%)", "plateau × lr / 2",
                                           "plateau stability ratio", "final loss");
        var files = new List<string>();
        foreach (var ((name, r), lr) in runs.Zip(rates))
        {
            var measured = r.Steps.Where(x => x.Sharpness is not null).ToArray();
            double plateau = Experiment.LateMedian(r, x => x.Sharpness);
            table.AddRow($"{lr}", $"{2 / lr:G4}", $"{measured.First().Sharpness:G4}", $"{measured.Max(x => x.Sharpness!.Value):G4}", $"{plateau:G4}",
                         $"{plateau * lr / 2:F3}", $"{Experiment.LateMedian(r, x => x.StabilityRatio):F3}", $"{Experiment.FinalLoss(r):G4}");
            string csv = Path.Combine(s.OutputDirectory, $"eos-lr{lr.ToString(CultureInfo.InvariantCulture)}.csv");
            StepCsv.Write(csv, r.Steps);
            files.Add(csv);
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]stability ratio: the direction's relevant sharpness over its threshold (GD: sharpness / (2/lr); momentum: 2(1+μ)/lr; Adam: preconditioned sharpness / (38/lr)).[/]");
        files.Add(Charts.Lines(Path.Combine(s.OutputDirectory, "sharpness.png"), "Sharpness (solid) and 2/lr (dashed)", "step", "top Hessian eigenvalue",
            runs.Select(x => new Charts.Series(x.Name, Xs(x.Result), Ys(x.Result))), horizontal: rates.Select(lr => ($"2/{lr}", 2 / lr))));
        files.Add(Charts.Lines(Path.Combine(s.OutputDirectory, "stability-ratio.png"), "Relevant sharpness / stability threshold (1 = edge)", "step", "ratio",
            runs.Select(x => new Charts.Series(x.Name, x.Result.Steps.Where(r => r.StabilityRatio is not null).Select(r => (double)r.Step).ToArray(),
                                               x.Result.Steps.Where(r => r.StabilityRatio is not null).Select(r => r.StabilityRatio!.Value).ToArray())),
            horizontal: new[] { ("edge of stability", 1.0) }));
        files.Add(Charts.Lines(Path.Combine(s.OutputDirectory, "loss.png"), "Training loss", "step", "loss",
            runs.Select(x => new Charts.Series(x.Name, x.Result.Steps.Select(r => (double)r.Step).ToArray(), x.Result.Steps.Select(r => r.Loss).ToArray())), logY: true));
        CommandRunner.Wrote(s.OutputDirectory, files.ToArray());
        return 0;
    }

    private static double[] Xs(TrainingResult r) => r.Steps.Where(x => x.Sharpness is not null).Select(x => (double)x.Step).ToArray();
    private static double[] Ys(TrainingResult r) => r.Steps.Where(x => x.Sharpness is not null).Select(x => x.Sharpness!.Value).ToArray();

    /// <summary>The plateau of every rate over seeds 0..N-1 (the first run above is seed <see cref="Settings.Seed"/>), as eos.md.</summary>
    private static int Summarise(Settings s, double[] rates, int every, int seeds)
    {
        var plateaus = rates.ToDictionary(lr => lr, _ => new List<(double Edge, double Ratio, double Loss)>());
        for (int seed = 0; seed < seeds; seed++)
        {
            var at = s with { Seed = seed };
            var data = SampleData.Load(at.Dataset, at.Label, at.Seed, limit: at.Limit);
            var runs = Experiment.RunAll(rates.Select(lr => ($"seed {seed} lr={lr}", (Func<ProgressTask, TrainingResult>)(task =>
                Experiment.Run(data, at, new ConstantTuner(lr), every, progress: task)))), at.Steps);
            foreach (var ((_, r), lr) in runs.Zip(rates))
                plateaus[lr].Add((Experiment.LateMedian(r, x => x.Sharpness) * lr / 2, Experiment.LateMedian(r, x => x.StabilityRatio), Experiment.FinalLoss(r)));
        }
        static string F(IEnumerable<double> v, string format) => Stats.MedianRange(v, format, singleAlone: false);
        var md = new System.Text.StringBuilder();
        md.AppendLine(FormattableString.Invariant($"# eos: {s.Describe(seeds: seeds)}, median [range]")).AppendLine();
        md.AppendLine("| lr | 2/lr | plateau sharpness × lr / 2 (last 30%) | plateau stability ratio | final loss |").AppendLine("|---|---|---|---|---|");
        foreach (var lr in rates)
            md.AppendLine(FormattableString.Invariant($"| {lr} | {2 / lr:G4} | {F(plateaus[lr].Select(x => x.Edge), "F3")} | {F(plateaus[lr].Select(x => x.Ratio), "F3")} | {F(plateaus[lr].Select(x => x.Loss), "G3")} |"));
        string path = Path.Combine(s.OutputDirectory, "eos.md");
        File.WriteAllText(path, md.ToString());
        AnsiConsole.WriteLine(md.ToString());
        CommandRunner.Wrote(s.OutputDirectory, path);
        return 0;
    }
}
