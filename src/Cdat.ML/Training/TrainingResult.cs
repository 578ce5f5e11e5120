using Cdat.ML.Diagnostics;

namespace Cdat.ML.Training;

/// <summary>Why a training run ended.</summary>
public enum StopReason
{
    /// <summary>All requested steps or epochs ran.</summary>
    Completed,
    /// <summary>The cancellation token fired.</summary>
    Cancelled,
    /// <summary>The loss stayed non-finite for the divergence patience.</summary>
    Diverged,
}

/// <summary>The outcome of a <see cref="TrainingLoop"/> run.</summary>
/// <param name="Steps">One record per step, in order.</param>
/// <param name="StopReason">Why training ended.</param>
public sealed record TrainingResult(IReadOnlyList<StepRecord> Steps, StopReason StopReason)
{
    /// <summary>The last finite step loss, or NaN when there is none.</summary>
    public double FinalLoss => Steps.LastOrDefault(s => double.IsFinite(s.Loss))?.Loss ?? double.NaN;
}
