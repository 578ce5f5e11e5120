using Cdat.ML.Diagnostics;

namespace Cdat.ML.Tuners;

/// <summary>A tuner's decision for one step, with the diagnostics it produced.</summary>
/// <param name="LearningRate">The step size along the direction (finite, ≥ 0).</param>
/// <param name="Flags">What was unusual.</param>
/// <param name="Trials">Loss evaluations spent by a line search.</param>
/// <param name="SmoothedNumerator">Smoothed numerator (CDAT n̄), if the rule has one.</param>
/// <param name="SmoothedDenominator">Smoothed denominator (CDAT d̄), if the rule has one.</param>
public readonly record struct TunerStep(
    double LearningRate,
    StepFlags Flags = StepFlags.None,
    int Trials = 0,
    double? SmoothedNumerator = null,
    double? SmoothedDenominator = null)
{
    /// <summary>A skipped step: learning rate 0 with the given reason.</summary>
    public static TunerStep Skip(StepFlags reason) => new(0.0, reason | StepFlags.Skipped);
}
