namespace Cdat.ML;

/// <summary>
/// What happened during training, in the style of ML.NET's metrics classes: immutable, reachable from the fitted
/// transformer and from a loaded model (<c>CdatModelParameters.TrainingMetrics</c>).
/// </summary>
public sealed class CdatTrainingMetrics
{
    /// <summary>Edge value (lr·sharpness/2) from which a step counts as "at the edge of stability".</summary>
    public const double EdgeThreshold = 0.9;

    internal CdatTrainingMetrics(double finalTrainingLoss, double bestTrainingLoss, double? validationLoss, long steps, int epochs,
        double meanLearningRate, double finalLearningRate, double? maxSharpness, double? edgeFraction, long nonDescentSteps,
        long lineSearchTrials, bool diverged, bool rolledBack, string stopReason, double trainingSeconds, string tuner, string direction, string device,
        CdatRegime? regime = null, double? validationMetric = null, string validationMetricName = "")
    {
        Regime = regime ?? CdatRegime.Unknown;
        ValidationMetric = validationMetric;
        ValidationMetricName = validationMetricName;
        FinalTrainingLoss = finalTrainingLoss;
        BestTrainingLoss = bestTrainingLoss;
        ValidationLoss = validationLoss;
        Steps = steps;
        Epochs = epochs;
        MeanLearningRate = meanLearningRate;
        FinalLearningRate = finalLearningRate;
        MaxSharpness = maxSharpness;
        EdgeFraction = edgeFraction;
        NonDescentSteps = nonDescentSteps;
        LineSearchTrials = lineSearchTrials;
        Diverged = diverged;
        RolledBack = rolledBack;
        StopReason = stopReason;
        TrainingSeconds = trainingSeconds;
        Tuner = tuner;
        Direction = direction;
        Device = device;
    }

    /// <summary>Mean training loss of the last step (last finite one).</summary>
    public double FinalTrainingLoss { get; }
    /// <summary>Lowest step training loss seen.</summary>
    public double BestTrainingLoss { get; }
    /// <summary>Best validation loss (same loss as training, without penalty); null without validation data.</summary>
    public double? ValidationLoss { get; }
    /// <summary>The task metric on the validation data at the kept weights (higher is better); null without validation data or in older models.</summary>
    public double? ValidationMetric { get; }
    /// <summary>Which metric <see cref="ValidationMetric"/> is: "AUC", "accuracy" or "R²" ("" when none).</summary>
    public string ValidationMetricName { get; }
    /// <summary>Optimisation steps taken.</summary>
    public long Steps { get; }
    /// <summary>Epochs started.</summary>
    public int Epochs { get; }
    /// <summary>Mean learning rate over all steps.</summary>
    public double MeanLearningRate { get; }
    /// <summary>Learning rate of the last step.</summary>
    public double FinalLearningRate { get; }
    /// <summary>Largest measured sharpness (top Hessian eigenvalue); null when the sharpness was not measured.</summary>
    public double? MaxSharpness { get; }
    /// <summary>Fraction of the steps with a sharpness measurement where lr·sharpness/2 ≥ 0.9; null when not measured.</summary>
    public double? EdgeFraction { get; }
    /// <summary>Steps whose update direction was not a descent direction.</summary>
    public long NonDescentSteps { get; }
    /// <summary>Loss evaluations spent by a line search (Armijo), over all steps.</summary>
    public long LineSearchTrials { get; }
    /// <summary>Whether training diverged: its loss or weights blew up (non-finite, or finite but far beyond where they started).</summary>
    public bool Diverged { get; }
    /// <summary>Whether the weights were rolled back to the last good ones (after divergence, or a run that ended far above its best loss).</summary>
    public bool RolledBack { get; }
    /// <summary>Why training ended: Completed, Cancelled, Diverged or EarlyStopped.</summary>
    public string StopReason { get; }
    /// <summary>Wall time of the training loop in seconds.</summary>
    public double TrainingSeconds { get; }
    /// <summary>The step-size rule, e.g. <c>cdat(sigma=2)</c>.</summary>
    public string Tuner { get; }
    /// <summary>The base direction, e.g. <c>adam</c>.</summary>
    public string Direction { get; }
    /// <summary>The device trained on.</summary>
    public string Device { get; }

    /// <summary>How the data was used: batch size, training and validation rows, as chosen from the options and the data.</summary>
    public CdatRegime Regime { get; }

    /// <inheritdoc/>
    public override string ToString()
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        string validation = (ValidationLoss is double v ? string.Create(c, $", validation {v:G4}") : "")
            + (ValidationMetric is double m ? string.Create(c, $" ({ValidationMetricName} {m:F4})") : "");
        string sharpness = MaxSharpness is double s ? string.Create(c, $", max sharpness {s:G4}, at edge {EdgeFraction:P0}") : "";
        return string.Create(c, $"loss {FinalTrainingLoss:G4} (best {BestTrainingLoss:G4}{validation}), {Steps} steps, {Epochs} epochs, " +
            $"lr mean {MeanLearningRate:G3} final {FinalLearningRate:G3}{sharpness}, {StopReason}{(RolledBack ? " (rolled back)" : "")}, " +
            $"{TrainingSeconds:F1} s on {Device}; {Regime.Description}");
    }
}

/// <summary>How a training run used its data, chosen from the options and the data (see <c>CdatTrainer.Options.BatchSize</c>).</summary>
/// <param name="BatchSize">Rows per mini-batch; 0 for full batch.</param>
/// <param name="TrainingRows">Rows trained on.</param>
/// <param name="ValidationRows">Rows of validation data; 0 without.</param>
/// <param name="HeldOut">Whether the validation rows were held out of the training data (<c>CdatTrainer.Options.ValidationFraction</c>).</param>
/// <param name="Description">The same in words, as logged, e.g. "23443 training rows, mini-batches of 128, 17 epochs, ...".</param>
public sealed record CdatRegime(int BatchSize, long TrainingRows, long ValidationRows, bool HeldOut, string Description)
{
    /// <summary>A model saved before the regime was recorded.</summary>
    public static CdatRegime Unknown { get; } = new(0, 0, 0, false, "regime not recorded");

    /// <summary>Whether every step used all training rows.</summary>
    public bool IsFullBatch => BatchSize == 0;
}
