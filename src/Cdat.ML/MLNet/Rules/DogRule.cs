using Cdat.ML.Tuners;

namespace Cdat.ML;

/// <summary>
/// DoG, Distance over Gradients (Ivgi et al., 2023): a learning-rate-free rule that divides the largest distance from
/// the start by the root of the summed squared update norms. Made for <see cref="GradientDescentRule"/>; its authors
/// advise averaging the weights, which mini-batch training does by default.
/// </summary>
public sealed class DogRule : LearningRateRule
{
    /// <summary>The first step's length relative to 1 + ‖w₀‖. Default <see cref="DogTuner.DefaultRelativeInitialDistance"/> (1e-6).</summary>
    public double RelativeInitialDistance { get; init; } = DogTuner.DefaultRelativeInitialDistance;

    internal override void Validate(bool float64) =>
        Precision.RequireFits(RelativeInitialDistance, RelativeInitialDistance > 0, Field(nameof(RelativeInitialDistance)), float64, "greater than 0");

    internal override ILearningRateTuner Create(RuleContext context) => new DogTuner(RelativeInitialDistance);

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"DogRule({RelativeInitialDistance:G3})");
}
