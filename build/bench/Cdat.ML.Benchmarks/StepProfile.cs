// Where a default mini-batch step's time goes, phase by phase, on the network of NarrowStepCost (256 rows, 64 tanh
// units, squared error, L2 1e-4, Adam's direction, CDAT): each phase timed alone over many repetitions, and a whole
// default Fit on 20,000 synthetic rows timed per step.
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
    private const int Batch = 256, Hidden = 64, Repeats = 2000;

    public static void Run(int features)
    {
        torch.set_num_threads(int.TryParse(Environment.GetEnvironmentVariable("CDAT_PROFILE_THREADS"), out int threads) ? threads : 2);
        Console.WriteLine($"libtorch threads: {torch.get_num_threads()}");
        using var generator = new Generator(42);
        var x = torch.randn(Batch, features, generator: generator);
        var y = torch.randn(Batch, 1, generator: generator);
        using var network = new MultilayerPerceptron(features, new[] { Hidden }, 1, Activation.Tanh).Build(seed: 0);
        var objective = new SupervisedObjective(network, Losses.SquaredError, x, y, weightDecay: 1e-4);
        var parameters = network.parameters().Select(p => (Tensor)p).ToArray();
        using IDirection adam = new AdamDirection();
        adam.Bind(parameters);
        Console.WriteLine($"Phases of one step, {Batch} rows × {features} features, {Hidden} tanh units (µs, mean of {Repeats}):");

        Time("forward + loss, no gradient", () => { using var _ = torch.no_grad(); return objective.ChunkLoss(0).item<float>(); });
        Time("forward + loss, no gradient (again)", () => { using var _ = torch.no_grad(); return objective.ChunkLoss(0).item<float>(); });
        var w0 = parameters[0];
        Time("x·W₀ᵀ alone (one matmul)", () => { using var _ = torch.no_grad(); return torch.nn.functional.linear(x, w0).numel(); });
        Time("tanh of 256×64 alone", () => { using var _ = torch.no_grad(); using var h = torch.nn.functional.linear(x, w0); return h.tanh().numel(); });
        Time("network forward alone", () => { using var _ = torch.no_grad(); return network.call(x).numel(); });
        Time("gradient (forward + backward + loss read)", () => GradientPass.Compute(objective, parameters, keepGraph: false).Loss);
        Time("gradient keeping the graph (for uᵀHu)", () => GradientPass.Compute(objective, parameters, keepGraph: true).Loss);
        Time("gradient + uᵀHu on the kept graph", () =>
        {
            var (loss, g, h) = GradientPass.Compute(objective, parameters, keepGraph: true);
            return h!.Quadratic(g);
        });
        var analytic = objective.Analytic(parameters)!;
        var ones = parameters.Select(p => torch.ones_like(p).DetachFromDisposeScope()).ToArray();
        Time("managed loss + gradient (AnalyticMlp)", () => analytic.LossAndGradient().Loss);
        Time("managed uᵀHu (AnalyticMlp)", () => analytic.Quadratic(ones));
        var derivatives = new MlpDerivatives(new[] { features, Hidden, 1 }, Activation.Tanh, ExampleLossKind.Squared);
        var theta = new float[derivatives.ParameterCount];
        var gradientBuffer = new float[derivatives.ParameterCount];
        var xs = x.data<float>().ToArray();
        var ys = y.data<float>().ToArray();
        for (int i = 0; i < theta.Length; i++) theta[i] = 0.1f * MathF.Sin(i);
        Time("MlpDerivatives loss + gradient on arrays", () => derivatives.LossAndGradient(theta, xs, ys, [], Batch, 1e-4, gradientBuffer));
        Time("MlpDerivatives uᵀHu on arrays", () => derivatives.Quadratic(theta, theta, xs, ys, [], Batch, 1e-4));
        Time("‖g‖² (one dot, read on the host)", () =>
        {
            var g = parameters.Select(p => torch.ones_like(p)).ToArray();
            return ParameterVectors.Dot(g, g);
        });
        Time("Adam direction", () =>
        {
            var g = parameters.Select(p => torch.ones_like(p)).ToArray();
            return adam.Compute(g).Count;
        });
        Time("gᵀu and uᵀu (two dots, one read)", () =>
        {
            var g = parameters.Select(p => torch.ones_like(p)).ToArray();
            return ParameterVectors.Dots((g, g), (g, g))[0];
        });
        Time("ones_like ×4 (the phases above include it)", () => parameters.Select(p => torch.ones_like(p)).Count());
        Time("apply w += lr·u", () =>
        {
            using var _ = torch.no_grad();
            foreach (var p in parameters) p.add_(torch.zeros_like(p), alpha: 1e-9);
            return 0;
        });
        using (var constant = new CurvatureAwareOptimizer(parameters, new AdamDirection(), new ConstantTuner(1e-3)))
            Time("optimizer step, constant rate", () => constant.Step(objective).Loss);
        using (var cdat = new CurvatureAwareOptimizer(parameters, new AdamDirection(), new CdatTuner(sigma: 1.5, beta: 0.9)))
            Time("optimizer step, CDAT exact", () => cdat.Step(objective).Loss);

        // The whole default Fit: every step of it, data reading, validation and averaging included.
        var ml = new MLContext(seed: 1);
        var random = new Random(3);
        var rows = Enumerable.Range(0, 20_000).Select(_ =>
        {
            var f = Enumerable.Range(0, features).Select(__ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            return new Row { Features = f, Label = f[0] - 2 * f[1] + MathF.Sin(3 * f[2]) };
        }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows, SchemaDefinition.Create(typeof(Row)).Also(s => s[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features)));
        var clock = Stopwatch.StartNew();
        var model = ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, SharpnessEvery = 0 }).Fit(data);
        clock.Stop();
        var trace = model.TrainingTrace;
        double inSteps = trace.Sum(r => r.Milliseconds);
        Console.WriteLine($"default Fit: {clock.Elapsed.TotalSeconds:F2} s, {trace.Count} steps: {1000 * clock.Elapsed.TotalMilliseconds / trace.Count:F0} µs a step in all, " +
                          $"{1000 * inSteps / trace.Count:F0} µs inside the optimizer step ({model.TrainingMetrics.Regime.Description})");
    }

    private static void Time(string phase, Func<double> run)
    {
        for (int i = 0; i < 200; i++) { using var warm = torch.NewDisposeScope(); run(); }
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Repeats; i++) { using var scope = torch.NewDisposeScope(); run(); }
        Console.WriteLine($"  {phase,-48} {1000 * clock.Elapsed.TotalMilliseconds / Repeats,8:F1}");
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private static T Also<T>(this T value, Action<T> act) { act(value); return value; }
}
