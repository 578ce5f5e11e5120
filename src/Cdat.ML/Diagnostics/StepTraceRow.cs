namespace Cdat.ML.Diagnostics;

/// <summary>
/// A <see cref="StepRecord"/> as one flat row, NaN where a value was not measured: the one flat form of a step, behind the
/// training-trace data view and the CSV files written from it.
/// </summary>
internal sealed class StepTraceRow
{
    public long Step { get; set; }
    public int Epoch { get; set; }
    public long BatchRows { get; set; }
    public double Loss { get; set; }
    public double LearningRate { get; set; }
    public double Sharpness { get; set; }
    public double Edge { get; set; }
    public double PreconditionedSharpness { get; set; }
    public double StabilityThreshold { get; set; }
    public double StabilityRatio { get; set; }
    public double Decrease { get; set; }
    public double Curvature { get; set; }
    public double DirectionalSharpness { get; set; }
    public double GradientNorm { get; set; }
    public double DirectionNorm { get; set; }
    public double SmoothedNumerator { get; set; }
    public double SmoothedDenominator { get; set; }
    public double GradientNoise { get; set; }
    public int Trials { get; set; }
    public double ValidationLoss { get; set; }
    public double ValidationMetric { get; set; }
    /// <summary>Step flags, separated by '|'.</summary>
    public string Flags { get; set; } = "";
    public double Milliseconds { get; set; }

    public static StepTraceRow From(StepRecord r) => new()
    {
        Step = r.Step,
        Epoch = r.Epoch,
        BatchRows = r.BatchRows,
        Loss = r.Loss,
        LearningRate = r.LearningRate,
        Sharpness = r.Sharpness ?? double.NaN,
        Edge = r.Edge ?? double.NaN,
        PreconditionedSharpness = r.PreconditionedSharpness ?? double.NaN,
        StabilityThreshold = r.StabilityThreshold ?? double.NaN,
        StabilityRatio = r.StabilityRatio ?? double.NaN,
        Decrease = r.Decrease,
        Curvature = r.Curvature ?? double.NaN,
        DirectionalSharpness = r.DirectionalSharpness ?? double.NaN,
        GradientNorm = r.GradientNorm,
        DirectionNorm = r.DirectionNorm,
        SmoothedNumerator = r.SmoothedNumerator ?? double.NaN,
        SmoothedDenominator = r.SmoothedDenominator ?? double.NaN,
        GradientNoise = r.GradientNoise ?? double.NaN,
        Trials = r.Trials,
        ValidationLoss = r.ValidationLoss ?? double.NaN,
        ValidationMetric = r.ValidationMetric ?? double.NaN,
        Flags = r.Flags == StepFlags.None ? "" : r.Flags.ToString().Replace(", ", "|", StringComparison.Ordinal),
        Milliseconds = r.Milliseconds,
    };
}
