using Cdat.ML.Tuners;

namespace Cdat.ML;

/// <summary>Your own step-size rule: <paramref name="create"/> is called once per training run for a fresh tuner.</summary>
/// <param name="create">Creates the tuner.</param>
public sealed class CustomRule(Func<ILearningRateTuner> create) : LearningRateRule
{
    private readonly Func<ILearningRateTuner> _create = create ?? throw new ArgumentNullException(nameof(create));

    internal override void Validate(bool float64) { }

    internal override ILearningRateTuner Create(RuleContext context) =>
        _create() ?? throw new InvalidOperationException("The CustomRule's factory returned null instead of a tuner.");

    /// <inheritdoc/>
    public override string ToString() => "CustomRule";
}
