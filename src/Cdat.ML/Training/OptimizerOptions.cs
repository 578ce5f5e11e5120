using Cdat.ML.Curvature;

namespace Cdat.ML.Training;

/// <summary>How a <see cref="CurvatureAwareOptimizer"/> measures curvature. The defaults measure exactly, every step.</summary>
public sealed record OptimizerOptions
{
    /// <summary>
    /// Measure uᵀHu every this many steps (default 1: every step). In between, the curvature is extrapolated from the
    /// largest magnitude of the last three measured directional sharpnesses: uᵀHu ≈ (u'ᵀHu'/‖u'‖²)·‖u‖². Only tuners that use curvature pay for it.
    /// </summary>
    public int CurvatureEvery { get; init; } = 1;

    /// <summary>
    /// Measure uᵀHu on a random subset of this many rows of the step's batch instead of the whole batch
    /// (null, the default: the whole batch). Trades accuracy for a cheaper Hessian-vector product.
    /// </summary>
    public long? CurvatureSubsampleRows { get; init; }

    /// <summary>Measure the sharpness (top Hessian eigenvalue) every this many steps, before the update; 0 (default) never.</summary>
    public int SharpnessEvery { get; init; }

    /// <summary>Eigenvalue method for the sharpness. Default Lanczos.</summary>
    public SharpnessMethod SharpnessMethod { get; init; } = SharpnessMethod.Lanczos;

    /// <summary>Hessian-vector products per sharpness measurement. Default 20.</summary>
    public int SharpnessIterations { get; init; } = 20;

    /// <summary>Also measure the preconditioned sharpness for preconditioned directions (RMSProp, Adam). Default true.</summary>
    public bool PreconditionedSharpness { get; init; } = true;

    /// <summary>Seed of the optimizer's own randomness (curvature subsamples, the first eigenvector guess). Default 0.</summary>
    public long Seed { get; init; }

    internal void Validate()
    {
        Check.Positive(CurvatureEvery, nameof(CurvatureEvery));
        Check.Positive(CurvatureSubsampleRows, nameof(CurvatureSubsampleRows));
        Check.Require(SharpnessEvery >= 0, nameof(SharpnessEvery), "must be 0 (off) or positive", SharpnessEvery);
        Check.Positive(SharpnessIterations, nameof(SharpnessIterations));
    }
}
