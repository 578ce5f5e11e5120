// Where the managed derivatives stop paying: one CDAT step's loss, gradient and uᵀHu through autograd and through the
// managed path (in one part, and in two halves on two cores), over batch rows × features for a one-hidden-layer tanh network (64 units, the default, or another width), so the managed path's limit follows a
// measurement rather than one shape.
using Cdat.ML.Networks;
using Cdat.ML.Objectives;
using Cdat.ML.Training.Steps;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Benchmarks;

internal static class Crossover
{

    /// <summary>The sweep for <paramref name="hidden"/> tanh units (64, the default network, unless given).</summary>
    public static void Run(int hidden = 64)
    {
        torch.set_num_threads(2);
        long saved = AnalyticMlp.MaxRowMultiplyAdds;
        AnalyticMlp.MaxRowMultiplyAdds = long.MaxValue;
        Console.WriteLine($"loss + gradient + uᵀHu, {hidden} tanh units, µs (median of 5 rounds); managed / autograd");
        Console.WriteLine($"  {"rows",6} {"features",8} {"M mult-adds",11} {"autograd",10} {"managed",10} {"ratio",6} {"in halves",10} {"ratio",6}");
        foreach (int rows in new[] { 256, 1024, 4096 })
            foreach (int features in new[] { 16, 64, 128, 256, 384, 784 })
            {
                using var scope = torch.NewDisposeScope();
                using var generator = new Generator(42);
                var x = torch.randn(rows, features, generator: generator);
                var y = torch.randn(rows, 1, generator: generator);
                using var network = new MultilayerPerceptron(features, new[] { hidden }, 1, Activation.Tanh).Build(seed: 0);
                var parameters = network.parameters().Select(p => (Tensor)p).ToArray();
                var u = parameters.Select(p => torch.randn_like(p)).ToArray();
                double Step()
                {
                    using var inner = torch.NewDisposeScope();
                    var objective = new SupervisedObjective(network, Losses.SquaredError, x, y, weightDecay: 1e-4);
                    if (objective.Analytic(parameters) is { } analytic)
                    {
                        analytic.LossAndGradient();
                        return analytic.Quadratic(u);
                    }
                    var (_, _, hessian) = GradientPass.Compute(objective, parameters, keepGraph: true);
                    return hessian!.Quadratic(u);
                }
                int repeats = (int)Math.Clamp(2_000_000_000L / ((long)rows * features * hidden * 20), 5, 400);
                AnalyticMlp.Enabled = false;
                double autograd = StepProfile.Median(Step, repeats, warmup: Math.Max(3, repeats / 5));
                AnalyticMlp.Enabled = true;
                AnalyticMlp.Split = false;
                double managed = StepProfile.Median(Step, repeats, warmup: Math.Max(3, repeats / 5));
                AnalyticMlp.Split = true;
                double halves = StepProfile.Median(Step, repeats, warmup: Math.Max(3, repeats / 5));
                Console.WriteLine($"  {rows,6} {features,8} {rows * (features + 1.0) * hidden / 1e6,11:F2} {autograd,10:F1} {managed,10:F1} {managed / autograd,6:F2} {halves,10:F1} {halves / autograd,6:F2}");
            }
        AnalyticMlp.MaxRowMultiplyAdds = saved;
    }
}
