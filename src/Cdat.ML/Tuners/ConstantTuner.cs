namespace Cdat.ML.Tuners;

/// <summary>A constant learning rate: the baseline every tuner is compared against.</summary>
public sealed class ConstantTuner : ILearningRateTuner
{
    /// <summary>Creates the rule.</summary>
    /// <param name="learningRate">The learning rate, finite and positive.</param>
    public ConstantTuner(double learningRate)
    {
        Check.Positive(learningRate, nameof(learningRate));
        LearningRate = learningRate;
    }

    /// <summary>The learning rate used at every step.</summary>
    public double LearningRate { get; }

    /// <inheritdoc/>
    public string Name => FormattableString.Invariant($"constant(lr={LearningRate:G4})");
    /// <inheritdoc/>
    public bool UsesCurvature => false;
    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public TunerStep Propose(IStepContext context)
    {
        StepCount++;
        return new TunerStep(LearningRate);
    }

    /// <inheritdoc/>
    public void Reset() => StepCount = 0;
}
