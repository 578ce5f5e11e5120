using System.CommandLine;
using System.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Objectives;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Samples.Commands;

/// <summary>
/// Per-step cost of each tuner against a constant learning rate, exact against amortised curvature, on the
/// 784-512-512-10 tanh MLP (a quick Stopwatch measurement; build/bench.sh runs the BenchmarkDotNet version).
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Per-step cost ratios of the tuners against a constant learning rate, exact vs amortised curvature.");
        var batch = new Option<int>("--batch-size") { Description = "Rows per step", DefaultValueFactory = _ => 128 };
        var steps = new Option<int>("--steps") { Description = "Timed steps per tuner (after 3 warm-up steps)", DefaultValueFactory = _ => 32 };
        var device = new Option<string>("--device") { Description = "cpu | cuda", DefaultValueFactory = _ => "cpu" };
        var hidden = new Option<string>("--hidden") { Description = "Hidden widths", DefaultValueFactory = _ => "512,512" };
        foreach (var o in new Option[] { batch, steps, device, hidden }) command.Options.Add(o);
        CommandRunner.SetAction(command, result => Run(result.GetValue(batch), result.GetValue(steps), result.GetValue(device)!,
            result.GetValue(hidden)!.Split(',').Select(int.Parse).ToArray()));
        return command;
    }

    public static int Run(int batch, int steps, string deviceName, int[] hidden)
    {
        var device = torch.device(deviceName);
        using var scope = NewDisposeScope();
        using var g = new Generator(42);
        var x = torch.randn(new long[] { batch, 784 }, generator: g).to(device);
        var y = torch.randint(0, 10, new long[] { batch }, generator: g).to(device);
        var network = new MultilayerPerceptron(784, hidden, 10, Activation.Tanh).Build(0, device: device);
        var parameters = network.parameters().Select(p => (Tensor)p).ToArray();
        Tensor[] initial;
        using (no_grad()) initial = parameters.Select(p => p.detach().clone()).ToArray();
        var objective = new SupervisedObjective(network, Losses.SoftmaxCrossEntropy, x, y);
        var cases = new (string Name, Func<ILearningRateTuner> Tuner, OptimizerOptions Options)[]
        {
            ("constant", () => new ConstantTuner(1e-3), new()),
            ("CDAT exact", () => new CdatTuner(sigma: 2, beta: 0), new()),
            ("CDAT every 8", () => new CdatTuner(sigma: 2, beta: 0), new() { CurvatureEvery = 8 }),
            ("CDAT every 16", () => new CdatTuner(sigma: 2, beta: 0), new() { CurvatureEvery = 16 }),
            ("CDAT subsample 1/8", () => new CdatTuner(sigma: 2, beta: 0), new() { CurvatureSubsampleRows = Math.Max(1, batch / 8) }),
            ("greedy", () => CdatTuner.QuadraticallyGreedy(), new()),
            ("Armijo (optax)", () => ArmijoTuner.FromPreset(ArmijoPreset.Optax), new()),
            ("Polyak SPS_max", () => new PolyakTuner(), new()),
        };
        AnsiConsole.MarkupLine($"[bold]bench[/]: 784-{string.Join("-", hidden)}-10 tanh, batch {batch}, {steps} timed steps per tuner on {deviceName}; weights reset before every step.");
        var medians = new List<(string, double)>();
        foreach (var (name, tuner, options) in cases)
        {
            using var optimizer = new CurvatureAwareOptimizer(parameters, new GradientDescentDirection(), tuner(), options);
            var times = new List<double>();
            for (int i = 0; i < steps + 3; i++)
            {
                using (no_grad()) for (int k = 0; k < parameters.Length; k++) parameters[k].copy_(initial[k]);
                if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
                var clock = Stopwatch.StartNew();
                optimizer.Step(objective);
                if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
                if (i >= 3) times.Add(clock.Elapsed.TotalMilliseconds);
            }
            // Amortised modes: the mean over whole cycles is the cost per step.
            medians.Add((name, name.Contains("every") ? times.Average() : Stats.Median(times)));
        }
        double baseline = medians[0].Item2;
        var table = new Table().AddColumns("tuner", "ms / step", "ratio to constant");
        foreach (var (name, ms) in medians) table.AddRow(name, $"{ms:F2}", $"{ms / baseline:F2}");
        AnsiConsole.Write(table);
        return 0;
    }
}
