using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Curvature;

/// <summary>
/// Power iteration (as in PyHessian): converges to the eigenvalue of largest magnitude, which is λ_max unless a
/// negative eigenvalue dominates; the sign is kept. A cross-check for <see cref="Lanczos"/>.
/// </summary>
internal static class PowerIteration
{
    /// <summary>Runs until the Rayleigh quotient's relative change falls below <paramref name="tolerance"/>.</summary>
    /// <param name="apply">v ↦ A·v on flat float64 vectors.</param>
    /// <param name="start">Starting vector (non-zero).</param>
    /// <param name="maxIterations">Most products.</param>
    /// <param name="tolerance">Relative change of the eigenvalue estimate that stops the iteration.</param>
    /// <param name="topVector">The last unit iterate, detached from dispose scopes (caller disposes).</param>
    public static EigenEstimate Run(Func<Tensor, Tensor> apply, Tensor start, int maxIterations, double tolerance, out Tensor topVector)
    {
        ArgumentNullException.ThrowIfNull(apply);
        Check.Positive(maxIterations, nameof(maxIterations));
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();

        var v = start.reshape(-1).to(ScalarType.Float64);
        double norm = v.norm().item<double>();
        if (!(norm > 0) || !double.IsFinite(norm)) throw new ArgumentException("The start vector must be finite and non-zero.", nameof(start));
        using (var scale = Scalars.Of(norm)) v = v / scale;
        double lambda = double.NaN, change = double.PositiveInfinity;
        int products = 0;
        bool converged = false;
        while (products < maxIterations)
        {
            var hv = apply(v).reshape(-1).to(ScalarType.Float64);
            products++;
            double next = v.dot(hv).item<double>();
            double hvNorm = hv.norm().item<double>();
            if (!double.IsFinite(next) || !double.IsFinite(hvNorm)) throw new ArithmeticException("The operator returned a non-finite product.");
            change = double.IsNaN(lambda) ? double.PositiveInfinity : Math.Abs(next - lambda) / Math.Max(Math.Abs(lambda), 1e-30);
            lambda = next;
            if (hvNorm == 0) { converged = true; break; }
            using (var scale = Scalars.Of(hvNorm)) v = hv / scale;
            if (change < tolerance) { converged = true; break; }
        }
        topVector = v.DetachFromDisposeScope();
        return new EigenEstimate(lambda, double.NaN, change, products, converged);
    }
}
