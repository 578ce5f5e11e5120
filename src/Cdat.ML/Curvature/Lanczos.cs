using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Curvature;

/// <summary>
/// Lanczos iteration with full reorthogonalisation for the extreme eigenvalues of a symmetric operator given only
/// through products. Vectors are flat float64 tensors; the small tridiagonal problem is solved exactly.
/// </summary>
internal static class Lanczos
{
    /// <summary>Runs at most <paramref name="iterations"/> products from <paramref name="start"/>.</summary>
    /// <param name="apply">v ↦ A·v on flat float64 vectors.</param>
    /// <param name="start">Starting vector (need not be normalised; must be non-zero).</param>
    /// <param name="iterations">Krylov dimension (products), capped at the vector length.</param>
    /// <param name="tolerance">Relative residual at which the top eigenpair counts as converged.</param>
    /// <param name="topVector">The top Ritz vector, unit norm, detached from dispose scopes (caller disposes).</param>
    public static EigenEstimate Run(Func<Tensor, Tensor> apply, Tensor start, int iterations, double tolerance, out Tensor topVector)
    {
        ArgumentNullException.ThrowIfNull(apply);
        Check.Positive(iterations, nameof(iterations));
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();

        long n = start.numel();
        int m = (int)Math.Min(iterations, n);
        var basis = torch.zeros(m, n, ScalarType.Float64, start.device);
        var q = start.reshape(-1).to(ScalarType.Float64);
        double startNorm = q.norm().item<double>();
        if (!(startNorm > 0) || !double.IsFinite(startNorm)) throw new ArgumentException("The start vector must be finite and non-zero.", nameof(start));
        using (var scale = Scalars.Of(startNorm)) basis[0].copy_(q / scale);

        var alphas = new List<double>();
        var betas = new List<double>();
        double lastBeta = 0;
        for (int j = 0; j < m; j++)
        {
            using var step = torch.NewDisposeScope();
            var qj = basis[j];
            var w = apply(qj).reshape(-1).to(ScalarType.Float64);
            double alpha = qj.dot(w).item<double>();
            if (!double.IsFinite(alpha)) throw new ArithmeticException("The operator returned a non-finite product.");
            alphas.Add(alpha);

            // Full reorthogonalisation, twice (classical Gram-Schmidt is not enough once Ritz values converge).
            var active = basis.narrow(0, 0, j + 1);
            for (int pass = 0; pass < 2; pass++)
                w = w - active.t().mv(active.mv(w));
            lastBeta = w.norm().item<double>();
            if (j == m - 1 || lastBeta <= 1e-10 * Math.Max(1.0, Math.Abs(alpha))) break;
            betas.Add(lastBeta);
            using var beta = Scalars.Of(lastBeta);
            basis[j + 1].copy_(w / beta);
        }

        int k = alphas.Count;
        var t = torch.zeros(k, k, ScalarType.Float64);
        for (int i = 0; i < k; i++)
        {
            t[i, i] = alphas[i];
            if (i + 1 < k) { t[i, i + 1] = betas[i]; t[i + 1, i] = betas[i]; }
        }
        var (values, vectors) = torch.linalg.eigh(t);
        var eig = values.data<double>().ToArray();
        var s = vectors[.., k - 1].to(start.device);
        double residual = Math.Abs(lastBeta * vectors[k - 1, k - 1].item<double>());
        double largest = eig[k - 1], smallest = eig[0];

        var ritz = basis.narrow(0, 0, k).t().mv(s);
        ritz = ritz / ritz.norm();
        topVector = ritz.DetachFromDisposeScope();
        return new EigenEstimate(largest, smallest, residual, k, residual <= tolerance * Math.Max(Math.Abs(largest), 1e-30));
    }
}
