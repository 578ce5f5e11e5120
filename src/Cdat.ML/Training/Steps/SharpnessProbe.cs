using Cdat.ML.Curvature;
using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Training.Steps;

/// <summary>
/// The sharpness every <see cref="OptimizerOptions.SharpnessEvery"/> steps: the top Hessian eigenvalue, the
/// preconditioned one for adaptive directions, and both against the direction's stability threshold at the step's rate.
/// </summary>
internal sealed class SharpnessProbe(OptimizerOptions options) : IDisposable
{
    private readonly SharpnessEstimator _plain = new(options.SharpnessMethod, options.SharpnessIterations, seed: options.Seed);
    private readonly SharpnessEstimator _preconditioned = new(options.SharpnessMethod, options.SharpnessIterations, seed: options.Seed + 1);

    public bool IsDue(long step) => options.SharpnessEvery > 0 && (step - 1) % options.SharpnessEvery == 0;

    /// <summary>Sharpness of <paramref name="objective"/> at <paramref name="parameters"/> (warm-started).</summary>
    public EigenEstimate Estimate(Tensor[] parameters, IObjective objective) => _plain.Estimate(parameters, objective);

    /// <summary>The record with the sharpness fields filled, on the Hessian of the kept graph <paramref name="shared"/> when there is one.</summary>
    public StepRecord Fill(StepRecord record, Tensor[] parameters, IObjective objective, HessianOperator? shared, IDirection direction,
                           double lr, CancellationToken cancellationToken)
    {
        using var scope = torch.NewDisposeScope();
        var hessian = shared ?? new HessianOperator(parameters, objective);
        double sharpness = _plain.Estimate(hessian, parameters, null, cancellationToken).Largest;
        double? preconditioned = null;
        if (options.PreconditionedSharpness && direction.Preconditioner() is { } p)
            preconditioned = _preconditioned.Estimate(hessian, parameters, p, cancellationToken).Largest;
        double? threshold = lr > 0 ? direction.StabilityThreshold(lr) : null;
        return record with
        {
            Sharpness = sharpness,
            PreconditionedSharpness = preconditioned,
            StabilityThreshold = threshold,
            StabilityRatio = threshold is double t ? (preconditioned ?? sharpness) / t : null,
        };
    }

    public void Reset()
    {
        _plain.Reset();
        _preconditioned.Reset();
    }

    public void Dispose()
    {
        _plain.Dispose();
        _preconditioned.Dispose();
    }
}
