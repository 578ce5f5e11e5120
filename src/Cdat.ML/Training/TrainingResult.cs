using Cdat.ML.Diagnostics;

namespace Cdat.ML.Training;

/// <summary>Why a training run ended.</summary>
public enum StopReason
{
    /// <summary>All requested steps or epochs ran.</summary>
    Completed,
    /// <summary>The cancellation token fired.</summary>
    Cancelled,
    /// <summary>The loss or the weights blew up (non-finite, or finite but far beyond where they started) for the divergence
    /// patience; the weights were rolled back to the last good ones.</summary>
    Diverged,
    /// <summary>The validation loss stopped improving.</summary>
    EarlyStopped,
}

/// <summary>The outcome of a <see cref="TrainingLoop"/> run.</summary>
/// <param name="Steps">One record per step, in order.</param>
/// <param name="StopReason">Why training ended.</param>
public sealed record TrainingResult(IReadOnlyList<StepRecord> Steps, StopReason StopReason)
{
    /// <summary>
    /// True when training went back to earlier, better weights: after divergence, or (without validation data or weight
    /// averaging) when the smoothed training loss ended above twice its best.
    /// </summary>
    public bool RolledBack { get; init; }

    /// <summary>What diverged, in words (null unless rolled back).</summary>
    public string? Divergence { get; init; }

    /// <summary>
    /// The loss of the weights a rollback restored: the training step loss measured at them, or the validation loss when
    /// the best validated weights were restored (null unless rolled back; NaN for the initial weights).
    /// </summary>
    public double? RestoredLoss { get; init; }

    /// <summary>The lowest validation loss seen (null without validation data).</summary>
    public double? BestValidationLoss { get; init; }
    /// <summary>The validation metric of the weights training ended with, when a metric was set and they were validated.</summary>
    public double? BestValidationMetric { get; init; }

    /// <summary>The step whose weights the network holds at the end when they are not the last step's (best validation, rollback).</summary>
    public long? RestoredStep { get; init; }

    /// <summary>
    /// True when the network ends with an average of its weights (<see cref="TrainingOptions.WeightAverageDecay"/>, or the
    /// direction's own, <see cref="Directions.IDirection.EvaluationWeights"/>).
    /// </summary>
    public bool AveragedWeights { get; init; }

    /// <summary>
    /// In full batch, the training loss of the averaged weights the network ends with (the step losses are the iterates');
    /// null otherwise.
    /// </summary>
    public double? AveragedLoss { get; init; }

    /// <summary>The last finite step loss, or NaN when there is none.</summary>
    public double FinalLoss => Steps.LastOrDefault(s => double.IsFinite(s.Loss))?.Loss ?? double.NaN;
}
