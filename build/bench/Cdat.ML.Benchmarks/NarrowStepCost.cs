// Per-step cost of the trainer's default network on narrow tabular data: a mini-batch of 256 rows, 16 or 128 features,
// one hidden layer of 64 tanh units, squared error, Adam's direction, float32 on the CPU. Constant rate against CDAT
// (exact curvature every step, and every 8 steps). Each invocation takes 8 steps, each from the same weights
// (StartingWeights), so the rows time the same computation.
//
// Run from the repository root:  ./build/bench.sh --filter '*NarrowStepCost*'
using BenchmarkDotNet.Attributes;
using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Objectives;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Benchmarks;

[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByParams)]
public class NarrowStepCost
{
    private const int Steps = 8, Batch = 256, Hidden = 64;

    private Tensor _x = null!, _y = null!;
    private nn.Module<Tensor, Tensor> _network = null!;
    private SupervisedObjective _objective = null!;
    private CurvatureAwareOptimizer _constant = null!, _cdatExact = null!, _cdatEvery8 = null!;
    private StartingWeights _start = null!;

    /// <summary>Features per row.</summary>
    [Params(16, 128)]
    public int Features { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(2);
        using (var generator = new Generator(42))
        {
            _x = torch.randn(Batch, Features, generator: generator);
            _y = torch.randn(Batch, 1, generator: generator);
        }
        _network = new MultilayerPerceptron(Features, new[] { Hidden }, 1, Activation.Tanh).Build(seed: 0);
        _objective = new SupervisedObjective(_network, Losses.SquaredError, _x, _y, weightDecay: 1e-4);
        _start = new StartingWeights(_network);
        _constant = new CurvatureAwareOptimizer(_network.parameters(), new AdamDirection(), new ConstantTuner(1e-3));
        _cdatExact = new CurvatureAwareOptimizer(_network.parameters(), new AdamDirection(), new CdatTuner(sigma: 1.5, beta: 0.9));
        _cdatEvery8 = new CurvatureAwareOptimizer(_network.parameters(), new AdamDirection(), new CdatTuner(sigma: 1.5, beta: 0.9), new OptimizerOptions { CurvatureEvery = 8 });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var optimizer in new[] { _constant, _cdatExact, _cdatEvery8 }) optimizer?.Dispose();
        _start?.Dispose();
        _network?.Dispose();
        _x?.Dispose();
        _y?.Dispose();
    }

    private double Run(CurvatureAwareOptimizer optimizer) => _start.Run(optimizer, _objective, Steps).Loss;

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
}
