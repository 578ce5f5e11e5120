using Cdat.ML.Tuners;

namespace Cdat.ML;

/// <summary>
/// The step-size rule of <see cref="CdatTrainer.Options.Tuner"/>: <see cref="CdatRule"/> (the default),
/// <see cref="ConstantRule"/>, <see cref="ScheduleRule"/>, <see cref="ArmijoRule"/>, <see cref="PolyakRule"/>, <see cref="DogRule"/> or
/// <see cref="CustomRule"/>. Each carries its own settings and defaults, and creates a fresh tuner for every training run.
/// </summary>
public abstract class LearningRateRule
{
    private protected LearningRateRule() { }

    /// <summary>Checks the settings; the exception names the offending setting.</summary>
    internal abstract void Validate(bool float64);

    /// <summary>A fresh tuner for one training run.</summary>
    internal abstract ILearningRateTuner Create(RuleContext context);

    /// <summary>"RuleType.Setting": how messages name one of this rule's settings.</summary>
    private protected string Field(string setting) => $"{GetType().Name}.{setting}";

    /// <summary>A rate must be positive and fit the weights' float type, or it would fail inside libtorch.</summary>
    private protected void RequireRate(double? rate, string setting, bool float64, bool optional = false)
    {
        if (rate is null && optional) return;
        Precision.RequireFits(rate ?? double.NaN, rate > 0, Field(setting), float64, "greater than 0");
    }
}

/// <summary>What a rule needs to know about the run: the σ chosen for the data, and the run's length in steps.</summary>
internal readonly record struct RuleContext(double RegimeSigma, long TotalSteps, string LengthOption);
