using System.Globalization;
using Cdat.ML.Diagnostics;

namespace Cdat.ML.Samples.Output;

/// <summary>Writes per-step records as CSV: step,epoch,loss,lr,sharpness,edge,n,d,grad_norm,trials,flags, then extras.</summary>
internal static class StepCsv
{
    public const string Header = "step,epoch,loss,lr,sharpness,edge,n,d,grad_norm,trials,flags,direction_norm,directional_sharpness,preconditioned_sharpness,stability_ratio,validation_loss,ms";

    public static void Write(string path, IEnumerable<StepRecord> records)
    {
        using var w = new StreamWriter(path);
        w.WriteLine(Header);
        foreach (var r in records)
        {
            w.WriteLine(string.Join(",", new[]
            {
                r.Step.ToString(CultureInfo.InvariantCulture), r.Epoch.ToString(CultureInfo.InvariantCulture), F(r.Loss), F(r.LearningRate),
                F(r.Sharpness), F(r.Edge), F(r.Decrease), F(r.Curvature), F(r.GradientNorm), r.Trials.ToString(CultureInfo.InvariantCulture),
                r.Flags == StepFlags.None ? "" : r.Flags.ToString().Replace(", ", "|"),
                F(r.DirectionNorm), F(r.DirectionalSharpness), F(r.PreconditionedSharpness), F(r.StabilityRatio), F(r.ValidationLoss), F(r.Milliseconds),
            }));
        }
    }

    private static string F(double? value) => value is double v ? v.ToString("G9", CultureInfo.InvariantCulture) : "";
}
