using Cdat.ML.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Curvature;

/// <summary>How the top Hessian eigenvalue is computed.</summary>
public enum SharpnessMethod
{
    /// <summary>Lanczos with full reorthogonalisation (default: accurate in few products).</summary>
    Lanczos,
    /// <summary>Power iteration (largest magnitude; a cross-check).</summary>
    PowerIteration,
}

/// <summary>
/// Measures the sharpness λ_max(H) of an objective at the current parameters, or of the preconditioned Hessian
/// P^-1/2·H·P^-1/2 for adaptive directions. Each estimator warm-starts from its previous top eigenvector, which moves
/// slowly during training.
/// </summary>
internal sealed class SharpnessEstimator : IDisposable
{
    private readonly Generator _generator;
    private readonly long _seed;
    private Tensor? _warmStart;

    /// <summary>Creates an estimator.</summary>
    /// <param name="method">Lanczos (default) or power iteration.</param>
    /// <param name="iterations">Products per measurement: the Krylov dimension for Lanczos (default 20), the cap for power iteration.</param>
    /// <param name="tolerance">Relative residual (Lanczos) or change (power iteration) regarded as converged. Default 1e-3.</param>
    /// <param name="warmStart">Start from the previous top eigenvector. Default true.</param>
    /// <param name="seed">Seed of the first random start vector.</param>
    public SharpnessEstimator(SharpnessMethod method = SharpnessMethod.Lanczos, int iterations = 20, double tolerance = 1e-3,
                              bool warmStart = true, long seed = 0)
    {
        Check.Positive(iterations, nameof(iterations));
        Check.Positive(tolerance, nameof(tolerance));
        Method = method;
        Iterations = iterations;
        Tolerance = tolerance;
        WarmStart = warmStart;
        _seed = seed;
        _generator = new Generator((ulong)seed);
    }

    /// <summary>Method.</summary>
    public SharpnessMethod Method { get; }
    /// <summary>Products per measurement.</summary>
    public int Iterations { get; }
    /// <summary>Convergence tolerance.</summary>
    public double Tolerance { get; }
    /// <summary>Whether measurements warm-start.</summary>
    public bool WarmStart { get; }

    /// <summary>Top eigenvalue of H (or of P^-1/2·H·P^-1/2 when <paramref name="preconditioner"/> is given).</summary>
    /// <param name="parameters">Parameters (leaves requiring gradients).</param>
    /// <param name="objective">The loss whose Hessian is measured.</param>
    /// <param name="preconditioner">Diagonal P shaped like the parameters, or null.</param>
    public EigenEstimate Estimate(IReadOnlyList<Tensor> parameters, IObjective objective, IReadOnlyList<Tensor>? preconditioner = null)
    {
        using var scope = torch.NewDisposeScope();
        var hessian = new HessianOperator(parameters, objective);
        return Estimate(hessian, parameters, preconditioner);
    }

    /// <summary>As <see cref="Estimate(IReadOnlyList{Tensor}, IObjective, IReadOnlyList{Tensor}?)"/>, reusing a prepared operator.</summary>
    /// <param name="hessian">The Hessian operator.</param>
    /// <param name="parameters">The parameters it differentiates.</param>
    /// <param name="preconditioner">Diagonal P shaped like the parameters, or null.</param>
    /// <param name="cancellationToken">Checked before every Hessian-vector product.</param>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    internal EigenEstimate Estimate(HessianOperator hessian, IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor>? preconditioner = null,
                                  CancellationToken cancellationToken = default)
    {
        using var scope = torch.NewDisposeScope();
        Tensor[]? scale = null;
        if (preconditioner is not null)
        {
            using var _ = torch.no_grad();
            scale = preconditioner.Select(p => p.rsqrt()).ToArray();
        }

        Tensor Apply(Tensor flat)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var v = ParameterVectors.Unflatten(flat, parameters);
            if (scale is not null) v = v.Zip(scale, (a, s) => a * s).ToArray();
            var hv = hessian.Apply(v);
            if (scale is not null) hv = hv.Zip(scale, (a, s) => a * s).ToArray();
            return ParameterVectors.Flatten(hv, ScalarType.Float64);
        }

        long n = parameters.Sum(p => p.numel());
        var device = parameters[0].device;
        var start = WarmStart && _warmStart is not null && _warmStart.numel() == n
            ? _warmStart
            : torch.randn(new[] { n }, ScalarType.Float64, generator: _generator).to(device);

        var estimate = Method == SharpnessMethod.Lanczos
            ? Lanczos.Run(Apply, start, Iterations, Tolerance, out var top)
            : PowerIteration.Run(Apply, start, Iterations, Tolerance, out top);
        _warmStart?.Dispose();
        _warmStart = top;
        return estimate;
    }

    /// <summary>Forgets the warm start and reseeds the start vectors: as new.</summary>
    public void Reset()
    {
        ForgetWarmStart();
        _generator.manual_seed(_seed);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        ForgetWarmStart();
        _generator.Dispose();
    }

    private void ForgetWarmStart()
    {
        _warmStart?.Dispose();
        _warmStart = null;
    }
}
