using Cdat.ML.Tuners;

namespace Cdat.ML;

/// <summary>Armijo backtracking line search: each step tries rates until the loss decreases enough.</summary>
public sealed class ArmijoRule : LearningRateRule
{
    /// <summary>Constants of the search (sufficient decrease, backtracking and growth factors). Default optax's.</summary>
    public ArmijoPreset Preset { get; init; } = ArmijoPreset.Optax;
    /// <summary>Largest rate tried. Default <see cref="ArmijoTuner.DefaultMaxLearningRate"/> (10).</summary>
    public double MaxLearningRate { get; init; } = ArmijoTuner.DefaultMaxLearningRate;

    internal override void Validate(bool float64)
    {
        Check.Require(Enum.IsDefined(Preset), Field(nameof(Preset)), "is not a known preset");
        RequireRate(MaxLearningRate, nameof(MaxLearningRate), float64);
    }

    internal override ILearningRateTuner Create(RuleContext context) => ArmijoTuner.FromPreset(Preset, MaxLearningRate);

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"ArmijoRule({Preset}, cap {MaxLearningRate:G3})");
}
