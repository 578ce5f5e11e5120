namespace Cdat.ML.Tuners;

/// <summary>What a <see cref="ScheduleTuner"/> does after its warm-up.</summary>
public enum ScheduleShape
{
    /// <summary>Hold the peak learning rate.</summary>
    Constant,
    /// <summary>Cosine decay from the peak to the final learning rate at the last step.</summary>
    Cosine,
}

/// <summary>
/// A fixed schedule: linear warm-up from 0 to <see cref="PeakLearningRate"/> over <see cref="WarmupSteps"/> steps
/// (step t gets peak·t/warm-up, so the first step is not wasted), then constant or cosine decay.
/// </summary>
public sealed class ScheduleTuner : ILearningRateTuner
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="peakLearningRate">Learning rate at the end of the warm-up.</param>
    /// <param name="warmupSteps">Warm-up length in steps (0: none).</param>
    /// <param name="shape">What follows the warm-up.</param>
    /// <param name="totalSteps">Length of the whole schedule (needed for <see cref="ScheduleShape.Cosine"/>).</param>
    /// <param name="finalLearningRate">Learning rate reached at <paramref name="totalSteps"/> by the cosine decay.</param>
    public ScheduleTuner(double peakLearningRate, int warmupSteps = 0, ScheduleShape shape = ScheduleShape.Constant,
                         int totalSteps = 0, double finalLearningRate = 0.0)
    {
        Check.Positive(peakLearningRate, nameof(peakLearningRate));
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "warmupSteps must be ≥ 0.");
        Check.NonNegative(finalLearningRate, nameof(finalLearningRate));
        if (shape == ScheduleShape.Cosine && totalSteps <= warmupSteps)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps,
                "totalSteps must exceed warmupSteps for a cosine schedule.");
        PeakLearningRate = peakLearningRate;
        WarmupSteps = warmupSteps;
        Shape = shape;
        TotalSteps = totalSteps;
        FinalLearningRate = finalLearningRate;
    }

    /// <summary>Peak learning rate.</summary>
    public double PeakLearningRate { get; }
    /// <summary>Warm-up length.</summary>
    public int WarmupSteps { get; }
    /// <summary>Shape after the warm-up.</summary>
    public ScheduleShape Shape { get; }
    /// <summary>Schedule length (cosine).</summary>
    public int TotalSteps { get; }
    /// <summary>Final learning rate (cosine).</summary>
    public double FinalLearningRate { get; }

    /// <inheritdoc/>
    public string Name => FormattableString.Invariant(
        $"schedule(peak={PeakLearningRate:G4},warmup={WarmupSteps},{Shape.ToString().ToLowerInvariant()})");
    /// <inheritdoc/>
    public bool UsesCurvature => false;
    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <summary>The learning rate of step <paramref name="step"/> (1-based).</summary>
    public double LearningRateAt(long step)
    {
        if (step <= WarmupSteps) return PeakLearningRate * step / WarmupSteps;
        if (Shape == ScheduleShape.Constant) return PeakLearningRate;
        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps));
        return FinalLearningRate + 0.5 * (PeakLearningRate - FinalLearningRate) * (1 + Math.Cos(Math.PI * progress));
    }

    /// <inheritdoc/>
    public TunerStep Propose(IStepContext context) => new(LearningRateAt(++StepCount));

    /// <inheritdoc/>
    public void Reset() => StepCount = 0;
}
