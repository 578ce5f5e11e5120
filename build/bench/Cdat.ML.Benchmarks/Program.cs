// Per-step cost of each learning-rate tuner relative to a constant learning rate (the Ratio column), for the
// 784-512-512-10 tanh MLP, float32 on the CPU, softmax cross-entropy, full-batch gradient descent at batch 128 and 5000.
// Each benchmark takes 8 optimizer steps (16 for CdatEvery16; OperationsPerInvoke divides by them), so modes that
// measure the curvature only every few steps are averaged over a whole cycle. Before every step the weights go back
// to the initial ones (and every invocation resets the optimizer state), so all methods time the same computation: the
// cost of a step depends on the weights (a tanh network that fits its batch saturates, and the tiny numbers in its
// backward pass run several times slower on the CPU), and each tuner would otherwise drift somewhere else.
// RestoreOnly times that copy alone; the README's ratios subtract it from both sides.
// Runs in-process, so the patched native library in the build output is the one loaded.
//
// Run from the repository root:  ./build/bench.sh                          (all benchmarks, WarmupCount 3, IterationCount 10)
//                                ./build/bench.sh --filter '*Cdat*'         (a subset)
//                                ./build/bench.sh --filter '*' --job Dry    (smoke run: one invocation each)
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Objectives;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        torch.set_num_threads(2);
        if (args.Length > 0 && args[0] == "crossover")
        {
            Crossover.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 64);
            return 0;
        }
        if (args.Length > 0 && args[0] == "sparse")
        {
            SparseCheck.Run();
            return 0;
        }
        if (args.Length > 0 && args[0] == "profile")
        {
            // `profile adult`: adult's shape, 6 numbers and 102 one-hot columns of 8 categories.
            if (args.Length > 1 && args[1] == "adult") StepProfile.Run(108, oneHot: true);
            else StepProfile.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 16);
            return 0;
        }

        // BenchmarkDotNet would run `--job <name>` as a second, out-of-process job (an unpatched copy of the native
        // library); take the preset's run settings here instead and keep the single in-process job.
        var job = Job.Default.WithWarmupCount(3).WithIterationCount(10);
        int at = Array.FindIndex(args, a => a is "--job" or "-j" || a.StartsWith("--job=", StringComparison.Ordinal));
        if (at >= 0)
        {
            bool joined = args[at].StartsWith("--job=", StringComparison.Ordinal);
            string? name = joined ? args[at]["--job=".Length..] : at + 1 < args.Length ? args[at + 1] : null;
            Job? preset = name?.ToLowerInvariant() switch
            {
                "default" => job,
                "dry" => Job.Dry,
                "short" => Job.ShortRun,
                "medium" => Job.MediumRun,
                "long" => Job.LongRun,
                _ => null,
            };
            if (preset is null)
            {
                Console.Error.WriteLine($"Unknown or missing job '{name}': use --job default, dry, short, medium or long.");
                return 2;
            }
            job = preset;
            args = [.. args[..at], .. args[(at + (joined ? 1 : 2))..]];
        }

        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(job.WithToolchain(InProcessEmitToolchain.Instance).WithId("InProcess").AsDefault())
            .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByParams)
            .WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}

/// <summary>Per-step time of each tuner on the same network and batch, as a ratio to the constant learning rate.</summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class TunerStepCost
{
    private const int Steps = 8;
    private const int Rows = 5000, Features = 784, Classes = 10;

    private Tensor _x = null!, _y = null!;
    private nn.Module<Tensor, Tensor> _network = null!;
    private SupervisedObjective _objective = null!;
    private CurvatureAwareOptimizer _constant = null!, _cdatExact = null!, _cdatEvery8 = null!, _cdatSubsample = null!,
        _cdatEvery16 = null!, _greedy = null!, _armijo = null!, _polyak = null!;
    private StepFlags _flags;
    private StartingWeights _start = null!;

    /// <summary>Rows in the batch (the first rows of the synthetic data set).</summary>
    [Params(128, 5000)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(2);
        using (var generator = new Generator(42))
        {
            var x = torch.randn(Rows, Features, dtype: ScalarType.Float32, generator: generator);
            var y = torch.randint(0, Classes, [Rows], dtype: ScalarType.Int64, generator: generator);
            _x = Batch < Rows ? x.narrow(0, 0, Batch).clone() : x;
            _y = Batch < Rows ? y.narrow(0, 0, Batch).clone() : y;
            if (!ReferenceEquals(_x, x)) x.Dispose();
            if (!ReferenceEquals(_y, y)) y.Dispose();
        }
        _network = new MultilayerPerceptron(Features, new[] { 512, 512 }, Classes, Activation.Tanh).Build(seed: 0);
        _objective = new SupervisedObjective(_network, Losses.SoftmaxCrossEntropy, _x, _y);
        _start = new StartingWeights(_network);

        _constant = Create(new ConstantTuner(1e-3));
        _cdatExact = Create(new CdatTuner(sigma: 2));
        _cdatEvery8 = Create(new CdatTuner(sigma: 2), new OptimizerOptions { CurvatureEvery = 8 });
        _cdatSubsample = Create(new CdatTuner(sigma: 2), new OptimizerOptions { CurvatureSubsampleRows = Batch / 8 });
        _cdatEvery16 = Create(new CdatTuner(sigma: 2), new OptimizerOptions { CurvatureEvery = 16 });
        _greedy = Create(CdatTuner.QuadraticallyGreedy());
        _armijo = Create(ArmijoTuner.FromPreset(ArmijoPreset.Optax));
        _polyak = Create(new PolyakTuner());
        _flags = StepFlags.None;
    }

    private IEnumerable<CurvatureAwareOptimizer> All =>
        new[] { _constant, _cdatExact, _cdatEvery8, _cdatSubsample, _cdatEvery16, _greedy, _armijo, _polyak };

    private CurvatureAwareOptimizer Create(ILearningRateTuner tuner, OptimizerOptions? options = null) =>
        new(_network.parameters(), new GradientDescentDirection(), tuner, options);

    [GlobalCleanup]
    public void Cleanup()
    {
        // A skipped (non-finite) step is cheaper than a real one and would bias the ratio: say so if it happened.
        if ((_flags & (StepFlags.NonFinite | StepFlags.Skipped)) != 0)
            Console.WriteLine($"// WARNING: Batch={Batch}: some steps were skipped ({_flags}); their timings understate the step cost.");
        foreach (var optimizer in All) optimizer?.Dispose();
        _start?.Dispose();
        _network?.Dispose();
        _x?.Dispose();
        _y?.Dispose();
    }

    private double Run(CurvatureAwareOptimizer optimizer, int steps = Steps)
    {
        var (loss, flags) = _start.Run(optimizer, _objective, steps);
        _flags |= flags;
        return loss;
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public void RestoreOnly()
    {
        for (int i = 0; i < Steps; i++) _start.Restore();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public double Constant() => Run(_constant);

    [Benchmark(OperationsPerInvoke = Steps)]
    public double CdatExact() => Run(_cdatExact);

    [Benchmark(OperationsPerInvoke = Steps)]
    public double CdatEvery8() => Run(_cdatEvery8);

    [Benchmark(OperationsPerInvoke = Steps)]
    public double CdatSubsample() => Run(_cdatSubsample);

    [Benchmark(OperationsPerInvoke = 2 * Steps)]
    public double CdatEvery16() => Run(_cdatEvery16, 2 * Steps);

    [Benchmark(OperationsPerInvoke = Steps)]
    public double Greedy() => Run(_greedy);

    [Benchmark(OperationsPerInvoke = Steps)]
    public double Armijo() => Run(_armijo);

    [Benchmark(OperationsPerInvoke = Steps)]
    public double Polyak() => Run(_polyak);
}
