using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Samples.Datasets;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using Spectre.Console;
using static TorchSharp.torch;

namespace Cdat.ML.Samples.Cli;

/// <summary>One training run of the engine on a sample data set, with a progress bar, and its outputs.</summary>
internal static class Experiment
{
    /// <summary>Schedule-free AdamW's η grid: the authors' default and three larger rates (the study's sweep and the suite's tuning).</summary>
    public static readonly double[] ScheduleFreeRates = { ScheduleFreeAdamWDirection.DefaultLearningRate, 0.01, 0.03, 0.1 };

    public static IDirection Direction(string name) => name switch
    {
        "momentum" => new MomentumDirection(0.9),
        "rmsprop" => new RmsPropDirection(),
        "adam" => new AdamDirection(),
        "prodigy" => new ProdigyDirection(),
        "schedule-free" or "schedule-free-adamw" => new ScheduleFreeAdamWDirection(),
        _ when name.StartsWith("schedule-free@", StringComparison.Ordinal) =>
            new ScheduleFreeAdamWDirection(double.Parse(name["schedule-free@".Length..], System.Globalization.CultureInfo.InvariantCulture)),
        _ => new GradientDescentDirection(),
    };

    /// <summary>
    /// Trains a fresh network (same seed every time) and returns the per-step records: the MLP of the settings, or the
    /// network <paramref name="build"/> makes from the seed.
    /// </summary>
    public static TrainingResult Run(SampleData data, Settings s, ILearningRateTuner tuner, int sharpnessEvery, string? direction = null,
                                     ProgressTask? progress = null, OptimizerOptions? optimizer = null, int? batchSize = null, long? steps = null,
                                     Func<long, nn.Module<Tensor, Tensor>>? build = null)
    {
        using var scope = NewDisposeScope();
        var network = build?.Invoke(s.Seed) ?? new MultilayerPerceptron(data.Features, s.Hidden, data.Outputs, s.Activation).Build(s.Seed);
        using var dir = Direction(direction ?? s.Direction);
        var loop = new TrainingLoop(network, data.Loss(s.Loss), dir, tuner, new TrainingOptions
        {
            MaxSteps = steps ?? s.Steps,
            BatchSize = batchSize ?? s.BatchSize,
            DropLastPartialBatch = (batchSize ?? s.BatchSize) is not null,
            Seed = s.Seed,
            Device = s.Device,
            DivergencePatience = 1,
            Optimizer = (optimizer ?? new OptimizerOptions()) with { SharpnessEvery = sharpnessEvery, Seed = s.Seed },
        });
        var targets = data.Targets(data.TrainY, s.Loss);
        var result = loop.Run(data.TrainX, targets, progress is null ? null : new Ticker(progress));
        if (result.AveragedWeights && result.AveragedLoss is null)
        {
            // Mini-batch: the step losses are the iterates'; measure the average the network ends with on all training rows.
            using var _ = no_grad();
            using var scope2 = NewDisposeScope();
            var device = loop.Device;
            result = result with { AveragedLoss = data.Loss(s.Loss).Compute(loop.Network.call(data.TrainX.to(device)), targets.to(device)).to(ScalarType.Float64).item<double>() };
        }
        return result;
    }

    /// <summary>Runs <paramref name="runs"/> under one Spectre progress display (one bar per run).</summary>
    public static List<(string Name, TrainingResult Result)> RunAll(IEnumerable<(string Name, Func<ProgressTask, TrainingResult> Run)> runs, long steps)
    {
        var results = new List<(string, TrainingResult)>();
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                foreach (var (name, run) in runs)
                {
                    var task = ctx.AddTask(Markup.Escape(name), maxValue: steps);
                    results.Add((name, run(task)));
                    task.Value = task.MaxValue;
                }
            });
        return results;
    }

    /// <summary>Median of lr·sharpness/2 over the measured steps in the last <paramref name="fraction"/> of the run.</summary>
    public static double LateEdge(TrainingResult r, double fraction = 0.3) => LateMedian(r, s => s.Edge, fraction);

    public static double LateMedian(TrainingResult r, Func<StepRecord, double?> value, double fraction = 0.3)
    {
        long from = (long)(r.Steps.Count * (1 - fraction));
        return Stats.Median(r.Steps.Where(s => s.Step > from).Select(value).Where(x => x is double d && double.IsFinite(d)).Select(x => x!.Value));
    }

    /// <summary>
    /// Mean of the last 5% of step losses (the papers' "final loss"); for a run that ends with averaged weights
    /// (schedule-free), the loss of that average.
    /// </summary>
    public static double FinalLoss(TrainingResult r)
    {
        var finite = r.Steps.Where(s => double.IsFinite(s.Loss)).ToArray();
        if (finite.Length == 0 || r.StopReason == StopReason.Diverged) return double.PositiveInfinity;
        if (r.AveragedLoss is double averaged) return double.IsFinite(averaged) ? averaged : double.PositiveInfinity;
        int n = Math.Max(1, finite.Length / 20);
        return finite.TakeLast(n).Average(s => s.Loss);
    }

    private sealed class Ticker(ProgressTask task) : IProgress<StepRecord>
    {
        public void Report(StepRecord value) => task.Value = value.Step;
    }
}
