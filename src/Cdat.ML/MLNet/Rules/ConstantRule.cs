using Cdat.ML.Tuners;

namespace Cdat.ML;

/// <summary>A constant learning rate: the baseline every tuner is compared against.</summary>
/// <param name="learningRate">The rate, greater than 0.</param>
public sealed class ConstantRule(double learningRate) : LearningRateRule
{
    /// <summary>The rate.</summary>
    public double LearningRate { get; } = learningRate;

    internal override void Validate(bool float64) => RequireRate(LearningRate, nameof(LearningRate), float64);

    internal override ILearningRateTuner Create(RuleContext context) => new ConstantTuner(LearningRate);

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"ConstantRule({LearningRate:G4})");
}
