using System.CommandLine;
using System.Globalization;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Datasets;
using Cdat.ML.Samples.Output;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using Spectre.Console;

namespace Cdat.ML.Samples.Commands;

/// <summary>Mini-batch CDAT: σ × batch size, with and without an EMA; final / initial loss as a heat map.</summary>
internal static class MinibatchCommand
{
    public static Command Create()
    {
        var command = new Command("minibatch", "Mini-batch CDAT: a sigma × batch-size grid, with and without EMA; heat map of final/initial loss and the best sigma per batch size.");
        var common = new CommonOptions(loss: "ce", hidden: "64,64", steps: 0);
        common.AddTo(command);
        var sigmas = new Option<string>("--sigmas") { Description = "CDAT scales", DefaultValueFactory = _ => "0.25,0.5,1,1.5,2,2.5" };
        var batches = new Option<string>("--batch-sizes") { Description = "Batch sizes", DefaultValueFactory = _ => "16,64,256,1024" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per run (equal epochs for every batch size)", DefaultValueFactory = _ => 10 };
        var beta = new Option<double>("--ema") { Description = "EMA factor of the smoothed runs", DefaultValueFactory = _ => 0.9 };
        foreach (var o in new Option[] { sigmas, batches, epochs, beta }) command.Options.Add(o);
        CommandRunner.SetAction(command, result =>
        {
            var s = common.Read(result, "minibatch");
            double[] Parse(Option<string> o) => CommonOptions.Numbers(result.GetValue(o)!);
            return Run(s, Parse(sigmas), Parse(batches).Select(b => (int)b).ToArray(), result.GetValue(epochs), result.GetValue(beta));
        });
        return command;
    }

    public static int Run(Settings s, double[] sigmas, int[] batchSizes, int epochs, double ema)
    {
        var data = SampleData.Load(s.Dataset, s.Label, s.Seed, limit: s.Limit);
        long rows = data.TrainX.shape[0];
        AnsiConsole.MarkupLine($"[bold]minibatch[/]: {Markup.Escape(s.Describe($"{epochs} epochs per run"))}, EMA β = {ema} for the smoothed runs");
        var files = new List<string>();
        foreach (double beta in new[] { 0.0, ema })
        {
            var ratio = new double[sigmas.Length, batchSizes.Length];
            var jobs = new List<(string, Func<ProgressTask, TrainingResult>)>();
            foreach (var sigma in sigmas)
                foreach (var b in batchSizes)
                    jobs.Add(($"β={beta} σ={sigma} B={b}", task => Experiment.Run(data, s, new CdatTuner(sigma, beta), 0, progress: task, batchSize: b, steps: epochs * (rows / b))));
            var results = Experiment.RunAll(jobs, 1);
            int k = 0;
            for (int i = 0; i < sigmas.Length; i++)
                for (int j = 0; j < batchSizes.Length; j++)
                {
                    var r = results[k++].Result;
                    ratio[i, j] = Experiment.FinalLoss(r) / r.Steps.Take(Math.Max(1, (int)(rows / batchSizes[j]))).Average(x => x.Loss);
                    if (!double.IsFinite(ratio[i, j])) ratio[i, j] = 1e3;
                    string csv = Path.Combine(s.OutputDirectory, FormattableString.Invariant($"beta{beta}-sigma{sigmas[i]}-b{batchSizes[j]}.csv"));
                    StepCsv.Write(csv, r.Steps);
                }
            var table = new Table().Title($"final / initial loss, EMA β = {beta}").AddColumn("σ \\ batch");
            foreach (var b in batchSizes) table.AddColumn(b.ToString(CultureInfo.InvariantCulture));
            for (int i = 0; i < sigmas.Length; i++)
                table.AddRow(new[] { sigmas[i].ToString(CultureInfo.InvariantCulture) }.Concat(Enumerable.Range(0, batchSizes.Length).Select(j => ratio[i, j] >= 1e3 ? "diverged" : $"{ratio[i, j]:G3}")).ToArray());
            AnsiConsole.Write(table);
            var bestSigma = Enumerable.Range(0, batchSizes.Length).Select(j => sigmas[Enumerable.Range(0, sigmas.Length).OrderBy(i => ratio[i, j]).First()]).ToArray();
            AnsiConsole.MarkupLine($"best σ per batch size ({string.Join(", ", batchSizes)}): [bold]{string.Join(", ", bestSigma)}[/]");
            files.Add(Charts.Heatmap(Path.Combine(s.OutputDirectory, FormattableString.Invariant($"heatmap-beta{beta}.png")),
                $"CDAT, EMA β = {beta}: log10 final / initial loss", ratio, sigmas.Select(x => x.ToString(CultureInfo.InvariantCulture)).ToArray(),
                batchSizes.Select(x => x.ToString(CultureInfo.InvariantCulture)).ToArray(), "sigma", "batch size"));
        }
        CommandRunner.Wrote(s.OutputDirectory, files.Concat(new[] { "(and one CSV per run)" }).ToArray());
        return 0;
    }
}
