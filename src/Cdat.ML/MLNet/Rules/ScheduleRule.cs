using Cdat.ML.Tuners;

namespace Cdat.ML;

/// <summary>Linear warm-up to <see cref="PeakLearningRate"/>, then cosine decay to 0 over the run (or a constant rate).</summary>
public sealed class ScheduleRule : LearningRateRule
{
    /// <summary>Peak rate. Default 0.01.</summary>
    public double PeakLearningRate { get; init; } = 0.01;
    /// <summary>Warm-up steps. Default 0.</summary>
    public int WarmupSteps { get; init; }
    /// <summary>
    /// Warm-up as a fraction of the run's step budget (MaxSteps, or the epochs' steps), in [0, 1); when set it takes the
    /// place of <see cref="WarmupSteps"/>, so one rule suits full batch (300 steps) and mini-batches (thousands) alike.
    /// Default null.
    /// </summary>
    public double? WarmupFraction { get; init; }
    /// <summary>What follows the warm-up. Default cosine decay.</summary>
    public ScheduleShape Shape { get; init; } = ScheduleShape.Cosine;

    internal override void Validate(bool float64)
    {
        RequireRate(PeakLearningRate, nameof(PeakLearningRate), float64);
        Check.Require(WarmupSteps >= 0 && WarmupSteps < int.MaxValue, Field(nameof(WarmupSteps)), $"must lie in [0, {int.MaxValue})");
        if (WarmupFraction is double fraction) Check.Require(fraction is >= 0 and < 1, Field(nameof(WarmupFraction)), "must lie in [0, 1) (or be null to use WarmupSteps)");
        Check.Require(Enum.IsDefined(Shape), Field(nameof(Shape)), "is not a known schedule shape");
    }

    internal override ILearningRateTuner Create(RuleContext context)
    {
        // The schedule counts its steps in an int.
        long warmup = WarmupFraction is double fraction ? (long)Math.Round(fraction * context.TotalSteps) : WarmupSteps;
        long length = Math.Max(warmup + 1L, context.TotalSteps);
        if (length > int.MaxValue)
            throw new ArgumentOutOfRangeException(context.LengthOption, length,
                $"Cdat option {context.LengthOption} gives {length} steps; the schedule runs at most {int.MaxValue}.");
        return new ScheduleTuner(PeakLearningRate, (int)warmup, Shape, (int)length);
    }

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"ScheduleRule(peak {PeakLearningRate:G4}, warm-up {(WarmupFraction is double f ? $"{f:P0} of the steps" : WarmupSteps.ToString(System.Globalization.CultureInfo.InvariantCulture))}, {Shape})");
}
