using Cdat.ML.Tuners;

namespace Cdat.ML;

/// <summary>Linear warm-up to <see cref="PeakLearningRate"/>, then cosine decay to 0 over the run (or a constant rate).</summary>
public sealed class ScheduleRule : LearningRateRule
{
    /// <summary>Peak rate. Default 0.01.</summary>
    public double PeakLearningRate { get; init; } = 0.01;
    /// <summary>Warm-up steps. Default 0.</summary>
    public int WarmupSteps { get; init; }
    /// <summary>What follows the warm-up. Default cosine decay.</summary>
    public ScheduleShape Shape { get; init; } = ScheduleShape.Cosine;

    internal override void Validate(bool float64)
    {
        RequireRate(PeakLearningRate, nameof(PeakLearningRate), float64);
        Check.Require(WarmupSteps >= 0 && WarmupSteps < int.MaxValue, Field(nameof(WarmupSteps)), $"must lie in [0, {int.MaxValue})");
        Check.Require(Enum.IsDefined(Shape), Field(nameof(Shape)), "is not a known schedule shape");
    }

    internal override ILearningRateTuner Create(RuleContext context)
    {
        // The schedule counts its steps in an int.
        long length = Math.Max(WarmupSteps + 1L, context.TotalSteps);
        if (length > int.MaxValue)
            throw new ArgumentOutOfRangeException(context.LengthOption, length,
                $"Cdat option {context.LengthOption} gives {length} steps; the schedule runs at most {int.MaxValue}.");
        return new ScheduleTuner(PeakLearningRate, WarmupSteps, Shape, (int)length);
    }

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"ScheduleRule(peak {PeakLearningRate:G4}, warm-up {WarmupSteps}, {Shape})");
}
