using Cdat.ML.Curvature;
using Cdat.ML.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Training.Steps;

/// <summary>
/// The loss and gradient of a step, summed over the objective's chunks. With one chunk the graph can be kept, so the
/// Hessian-vector products of the same step reuse it instead of running the forward pass again.
/// </summary>
internal static class GradientPass
{
    /// <summary>Loss, detached gradient, and (when <paramref name="keepGraph"/> and one chunk) the Hessian on the kept graph.</summary>
    public static (double Loss, Tensor[] Gradient, HessianOperator? Hessian) Compute(IObjective objective, Tensor[] parameters, bool keepGraph)
    {
        // The trainer's perceptron on the CPU: by hand, with no graph to build (none is needed unless kept).
        if (!keepGraph && objective is SupervisedObjective supervised && supervised.Analytic(parameters) is { } analytic)
        {
            var (value, gradient) = analytic.LossAndGradient();
            return (value, gradient, null);
        }
        using var _ = torch.enable_grad();
        if (objective.ChunkCount == 1)
        {
            var loss = objective.ChunkLoss(0);
            var withGraph = SafeAutograd.Grad(loss, parameters, createGraph: keepGraph);
            double value = loss.detach().to(ScalarType.Float64).item<double>();
            var hessian = keepGraph ? new HessianOperator(parameters, objective, loss, withGraph) : null;
            return (value, withGraph.Select(g => g.detach()).ToArray(), hessian);
        }

        Tensor[]? total = null;
        double sum = 0;
        for (int c = 0; c < objective.ChunkCount; c++)
        {
            using var chunk = torch.NewDisposeScope();
            var loss = objective.ChunkLoss(c);
            var g = SafeAutograd.Grad(loss, parameters, createGraph: false);
            sum += loss.detach().to(ScalarType.Float64).item<double>();
            using var __ = torch.no_grad();
            if (total is null) total = g.Select(t => t.detach().MoveToOuterDisposeScope()).ToArray();
            else for (int i = 0; i < total.Length; i++) total[i].add_(g[i], alpha: Scalars.One);
        }
        return (sum, total!, null);
    }
}
