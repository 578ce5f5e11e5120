// Where a default mini-batch step's time goes, phase by phase, on the network of NarrowStepCost (256 rows, 64 tanh
// units, squared error, L2 1e-4, Adam's direction, CDAT), through autograd (the reference path) and through the managed
// derivatives the trainer uses on the CPU; then a whole default Fit on 20,000 synthetic rows, timed per step. Each phase
// is timed over 5 rounds of 400 repetitions; the median round is printed (this machine's timings are noisy).
//
// Run from the repository root:  dotnet run -c Release --project build/bench/Cdat.ML.Benchmarks -- profile [features]
using System.Diagnostics;
using Cdat.ML.Curvature;
using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Objectives;
using Cdat.ML.Training;
using Cdat.ML.Training.Steps;
using Cdat.ML.Tuners;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Benchmarks;

internal static class StepProfile
{
    private const int Batch = 256, Hidden = 64, Rounds = 5, Repeats = 400;

    /// <summary>Categories' sizes of the one-hot shape (adult's 8 categorical columns, 102 levels).</summary>
    private static readonly int[] Levels = { 9, 16, 7, 15, 6, 5, 2, 42 };

    public static void Run(int features, bool oneHot = false)
    {
        torch.set_num_threads(2);
        using var generator = new Generator(42);
        var x = oneHot ? OneHot(Batch, features, generator) : torch.randn(Batch, features, generator: generator);
        var y = torch.randn(Batch, 1, generator: generator);
        using var network = new MultilayerPerceptron(features, new[] { Hidden }, 1, Activation.Tanh).Build(seed: 0);
        var parameters = network.parameters().Select(p => (Tensor)p).ToArray();
        var u = parameters.Select(p => torch.randn_like(p).DetachFromDisposeScope()).ToArray();
        Console.WriteLine($"One step's phases, {Batch} rows × {features} features, {Hidden} tanh units, µs (median of {Rounds} rounds of {Repeats}):");
        Console.WriteLine($"  {"phase",-44} {"autograd",9} {"managed",9}");

        // libtorch's thread pool and allocator settle over the first few hundred operations.
        AnalyticMlp.Enabled = false;
        Median(() => GradientPass.Compute(Objective(), parameters, keepGraph: true).Loss);
        Row("loss + gradient", () => GradientPass.Compute(Objective(), parameters, keepGraph: false).Loss);
        Row("loss + gradient + uᵀHu (CDAT's curvature)", () =>
        {
            var objective = Objective();
            if (objective.Analytic(parameters) is { } analytic)
            {
                analytic.LossAndGradient();
                return analytic.Quadratic(u);
            }
            var (_, _, hessian) = GradientPass.Compute(objective, parameters, keepGraph: true);
            return hessian!.Quadratic(u);
        });
        // The managed kernels alone, on arrays: what the wrappers around them (flattening, tensors) add is the difference.
        var kernel = new MlpDerivatives(new[] { features, Hidden, 1 }, Activation.Tanh, ExampleLossKind.Squared);
        float[] theta = parameters.SelectMany(p => p.data<float>().ToArray()).ToArray(), direction = u.SelectMany(p => p.data<float>().ToArray()).ToArray();
        float[] xs = x.data<float>().ToArray(), ys = y.data<float>().ToArray(), gradientBuffer = new float[kernel.ParameterCount];
        Console.WriteLine($"  {"kernel: loss + gradient on arrays",-44} {"",9} {Median(() => kernel.LossAndGradient(theta, xs, ys, [], Batch, 1e-4, gradientBuffer)),9:F1}");
        Console.WriteLine($"  {"kernel: + uᵀHu, one forward pass",-44} {"",9} {Median(() => { var owner = new object(); return kernel.LossAndGradient(theta, xs, ys, [], Batch, 1e-4, gradientBuffer, owner) + kernel.Quadratic(theta, direction, xs, ys, [], Batch, 1e-4, owner); }),9:F1}");
        if (oneHot)
        {
            // Dense products against the sparse first layer, alternated round by round so that the machine's drift hits both.
            var (dense, sparse) = (new List<double>(), new List<double>());
            for (int round = 0; round < 5; round++)
                foreach (bool sparseRows in new[] { false, true })
                {
                    MlpDerivatives.SparseInputs = sparseRows;
                    (sparseRows ? sparse : dense).Add(Median(() => kernel.LossAndGradient(theta, xs, ys, [], Batch, 1e-4, gradientBuffer) + kernel.Quadratic(theta, direction, xs, ys, [], Batch, 1e-4), Repeats / 4, warmup: 20));
                }
            MlpDerivatives.SparseInputs = true;
            Console.WriteLine($"  {"kernel, two forward passes: dense / sparse",-44} {dense.Order().ElementAt(2),9:F1} {sparse.Order().ElementAt(2),9:F1}");
        }
        Row("a batch's objective and its path checks", () => Objective().Analytic(parameters) is null ? 0 : 1);
        var batches = new Cdat.ML.Batches.TensorBatches(oneHot ? OneHot(4096, features, generator) : torch.randn(4096, features), torch.randn(4096, 1), 256, seed: 1);
        Row("a mini-batch drawn from in-memory rows", () => batches.Batches(1, CPU).Take(4).Count(), hostMath: true);
        Row("Adam direction", () =>
        {
            using IDirection adam = new AdamDirection();
            adam.Bind(parameters);
            return adam.Compute(u).Count;
        }, hostMath: true);
        Row("gᵀu and uᵀu (two dots, one read)", () => ParameterVectors.Dots((u, u), (u, u))[0], hostMath: true);
        foreach (var (name, tuner) in new (string, Func<ILearningRateTuner>)[] { ("constant rate", () => new ConstantTuner(1e-6)), ("CDAT exact", () => new CdatTuner(sigma: 1.5, beta: 0.9)) })
        {
            CurvatureAwareOptimizer? optimizer = null;
            Row($"optimizer step, {name}", () =>
            {
                optimizer ??= new CurvatureAwareOptimizer(parameters, new AdamDirection(), tuner());
                return optimizer.Step(Objective()).Loss;
            }, reset: () => { optimizer?.Dispose(); optimizer = null; });
        }
        AnalyticMlp.Enabled = true;

        // The whole default Fit: every step of it, data reading, validation and averaging included.
        var ml = new MLContext(seed: 1);
        var random = new Random(3);
        var rows = Enumerable.Range(0, 20_000).Select(_ =>
        {
            var f = Enumerable.Range(0, features).Select(__ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            if (oneHot)
            {
                Array.Clear(f, features - Levels.Sum(), Levels.Sum());
                for (int c = 0, at = features - Levels.Sum(); c < Levels.Length; at += Levels[c++]) f[at + random.Next(Levels[c])] = 1;
            }
            return new SyntheticRow { Features = f, Label = f[0] - 2 * f[1] + MathF.Sin(3 * f[2]) };
        }).ToArray();
        var schema = SchemaDefinition.Create(typeof(SyntheticRow));
        schema[nameof(SyntheticRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        var data = ml.Data.LoadFromEnumerable(rows, schema);
        foreach (bool managed in new[] { false, true })
        {
            AnalyticMlp.Enabled = managed;
            var clock = Stopwatch.StartNew();
            var model = ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, SharpnessEvery = 0 }).Fit(data);
            clock.Stop();
            var trace = model.TrainingTrace;
            Console.WriteLine($"default Fit ({(managed ? "managed" : "autograd")}): {clock.Elapsed.TotalSeconds:F2} s, {trace.Count} steps: " +
                              $"{1000 * clock.Elapsed.TotalMilliseconds / trace.Count:F0} µs a step in all, {1000 * trace.Sum(r => r.Milliseconds) / trace.Count:F0} µs inside the optimizer step");
        }
        AnalyticMlp.Enabled = true;

        SupervisedObjective Objective() => new(network, Losses.SquaredError, x, y, weightDecay: 1e-4);
    }

    /// <summary>Rows of <paramref name="features"/> columns: standard normal numbers, then one 1 in each category of <see cref="Levels"/>.</summary>
    private static Tensor OneHot(int rows, int features, Generator generator)
    {
        int numbers = features - Levels.Sum();
        var parts = new List<Tensor> { torch.randn(rows, numbers, generator: generator) };
        foreach (int levels in Levels)
            parts.Add(nn.functional.one_hot(torch.randint(0, levels, new long[] { rows }, generator: generator), levels).to(ScalarType.Float32));
        return torch.cat(parts, 1);
    }

    /// <summary>One phase through autograd and through the managed path (or, with <paramref name="hostMath"/>, libtorch's operations against managed loops).</summary>
    private static void Row(string phase, Func<double> run, bool hostMath = false, Action? reset = null)
    {
        double[] times = new double[2];
        for (int k = 0; k < 2; k++)
        {
            bool managed = k == 1;
            AnalyticMlp.Enabled = managed;
            HostMemory.Enabled = !hostMath || managed;
            reset?.Invoke();
            times[k] = Median(run);
        }
        AnalyticMlp.Enabled = true;
        HostMemory.Enabled = true;
        reset?.Invoke();
        Console.WriteLine($"  {phase,-44} {times[0],9:F1} {times[1],9:F1}");
    }

    private static double Median(Func<double> run) => Median(run, Repeats, warmup: 100);

    /// <summary>µs per call of <paramref name="run"/>: the median of five rounds of <paramref name="repeats"/> calls, each in its own dispose scope.</summary>
    internal static double Median(Func<double> run, int repeats, int warmup)
    {
        for (int i = 0; i < warmup; i++) { using var warm = torch.NewDisposeScope(); run(); }
        var rounds = new double[Rounds];
        for (int r = 0; r < Rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < repeats; i++) { using var scope = torch.NewDisposeScope(); run(); }
            rounds[r] = 1000 * clock.Elapsed.TotalMilliseconds / repeats;
        }
        Array.Sort(rounds);
        return rounds[Rounds / 2];
    }

    private sealed class SyntheticRow
    {
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }
}
