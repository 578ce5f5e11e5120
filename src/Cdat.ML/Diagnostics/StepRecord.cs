namespace Cdat.ML.Diagnostics;

/// <summary>
/// Everything one optimisation step computed, filled by whoever computed it. Quantities that were not computed in
/// this step (curvature for a constant learning rate, sharpness between measurements) are <c>null</c>.
/// </summary>
public sealed record StepRecord
{
    /// <summary>Step index, starting at 1.</summary>
    public long Step { get; init; }
    /// <summary>Epoch index, starting at 1 (full batch: equal to <see cref="Step"/>).</summary>
    public int Epoch { get; init; }
    /// <summary>Mean loss on the step's batch, before the update.</summary>
    public double Loss { get; init; }
    /// <summary>Learning rate of the step: the tuner's, times the optimizer's <c>RateScale</c> once a plateau lowered it (0 when the step was skipped).</summary>
    public double LearningRate { get; init; }
    /// <summary>Number of examples in the step's batch.</summary>
    public long BatchRows { get; init; }
    /// <summary>Expected decrease −gᵀu (the CDAT numerator before clipping at 0).</summary>
    public double Decrease { get; init; }
    /// <summary>Signed curvature uᵀHu along the update direction, when measured or estimated.</summary>
    public double? Curvature { get; init; }
    /// <summary>Directional sharpness uᵀHu / ‖u‖², when the curvature is known.</summary>
    public double? DirectionalSharpness { get; init; }
    /// <summary>Gradient norm ‖g‖.</summary>
    public double GradientNorm { get; init; }
    /// <summary>Direction norm ‖u‖.</summary>
    public double DirectionNorm { get; init; }
    /// <summary>Top Hessian eigenvalue λ_max on the measurement data, on steps where it was measured.</summary>
    public double? Sharpness { get; init; }
    /// <summary>Top eigenvalue of the preconditioned Hessian P^-1/2 H P^-1/2 (RMSProp, Adam), when measured.</summary>
    public double? PreconditionedSharpness { get; init; }
    /// <summary><c>lr · sharpness / 2</c>: 1 means gradient descent sits at the edge of stability.</summary>
    public double? Edge => Sharpness is double s ? LearningRate * s / 2 : null;
    /// <summary>The direction's stability threshold at this learning rate (2/lr for GD, 38/lr for Adam with β1 = 0.9).</summary>
    public double? StabilityThreshold { get; init; }
    /// <summary>Relevant sharpness (preconditioned for RMSProp/Adam) divided by <see cref="StabilityThreshold"/>.</summary>
    public double? StabilityRatio { get; init; }
    /// <summary>Loss evaluations a line search spent (0 for tuners that do not search).</summary>
    public int Trials { get; init; }
    /// <summary>Tuner-specific numerator and denominator after smoothing (CDAT: n̄ and d̄), when the tuner has them.</summary>
    public double? SmoothedNumerator { get; init; }
    /// <inheritdoc cref="SmoothedNumerator"/>
    public double? SmoothedDenominator { get; init; }
    /// <summary>The sampling noise in the squared gradient norm, tr Σ/|B| (see <see cref="Tuners.IStepContext.GradientNoise"/>), when the tuner measured it.</summary>
    public double? GradientNoise { get; init; }
    /// <summary>Mean loss on the validation data after this step, on steps where it was evaluated.</summary>
    public double? ValidationLoss { get; init; }
    /// <summary>The task metric on the validation data (accuracy, AUC or R²; higher is better), where the loss was evaluated and a metric is set.</summary>
    public double? ValidationMetric { get; init; }
    /// <summary>What was unusual in this step.</summary>
    public StepFlags Flags { get; init; }
    /// <summary>Wall time of the step in milliseconds (including any sharpness measurement).</summary>
    public double Milliseconds { get; init; }
}
