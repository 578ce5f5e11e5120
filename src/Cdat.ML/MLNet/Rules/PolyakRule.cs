using Cdat.ML.Tuners;

namespace Cdat.ML;

/// <summary>The Polyak step size SPS_max: lr = (loss − f*)/(c·‖g‖²), capped.</summary>
public sealed class PolyakRule : LearningRateRule
{
    /// <summary>Scaling c. Default 1.</summary>
    public double C { get; init; } = 1.0;
    /// <summary>Cap on the rate. Default <see cref="PolyakTuner.DefaultMaxLearningRate"/> (10).</summary>
    public double MaxLearningRate { get; init; } = PolyakTuner.DefaultMaxLearningRate;

    internal override void Validate(bool float64)
    {
        Precision.RequireFits(C, C > 0, Field(nameof(C)), float64, "greater than 0");
        RequireRate(MaxLearningRate, nameof(MaxLearningRate), float64);
    }

    internal override ILearningRateTuner Create(RuleContext context) => new PolyakTuner(c: C, maxLearningRate: MaxLearningRate);

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"PolyakRule(c {C:G3}, cap {MaxLearningRate:G3})");
}
