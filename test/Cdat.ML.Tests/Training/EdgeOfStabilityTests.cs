using Cdat.ML.Training;
using Cdat.ML.Tuners;

namespace Cdat.ML.Tests.Training;

[TestClass]
public sealed class EdgeOfStabilityTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ConstantLearningRateGradientDescentSharpensThenSettlesAtTwoOverLr()
    {
        const double lr = 0.5;
        var result = DigitsRuns.Run(new ConstantTuner(lr), steps: 400, sharpnessEvery: 10);
        var measured = result.Steps.Where(s => s.Sharpness is not null).ToArray();
        double initial = measured[0].Sharpness!.Value, peak = measured.Max(s => s.Sharpness!.Value);
        double late = DigitsRuns.Median(measured.Where(s => s.Step > 280).Select(s => s.Sharpness!.Value));
        TestContext.WriteLine($"sharpness: initial {initial:F3}, peak {peak:F3}, late median {late:F3}, 2/lr = {2 / lr}");

        Assert.IsTrue(initial < 0.8 * 2 / lr, "starts below the edge");
        Assert.IsTrue(peak > 1.2 * initial, "progressive sharpening");
        Assert.IsTrue(Math.Abs(late / (2 / lr) - 1) <= 0.2, $"late sharpness {late:F3} not within ±20% of 2/lr");
        Assert.IsTrue(result.Steps[^1].Loss < result.Steps[0].Loss, "the loss still decreases");
    }

    [TestMethod]
    public void AmortisedCurvatureKeepsTheEdgeOfTheExactRun()
    {
        var exact = DigitsRuns.Run(new CdatTuner(sigma: 2), 400, sharpnessEvery: 10);
        var every = DigitsRuns.Run(new CdatTuner(sigma: 2), 400, 10, optimizer: new OptimizerOptions { CurvatureEvery = 8 });
        var sub = DigitsRuns.Run(new CdatTuner(sigma: 2), 400, 10, optimizer: new OptimizerOptions { CurvatureSubsampleRows = 1797 / 8 });
        double e = DigitsRuns.LateEdge(exact), a = DigitsRuns.LateEdge(every), s = DigitsRuns.LateEdge(sub);
        TestContext.WriteLine($"late edge: exact {e:F4}, every 8 {a:F4}, subsample 1/8 {s:F4}; loss {exact.FinalLoss:E3} / {every.FinalLoss:E3} / {sub.FinalLoss:E3}");
        Assert.IsTrue(Math.Abs(a / e - 1) <= 0.10, $"every-8 edge {a:F4} vs exact {e:F4}");
        Assert.IsTrue(Math.Abs(s / e - 1) <= 0.10, $"subsample edge {s:F4} vs exact {e:F4}");
        Assert.IsTrue(every.Steps.Count(r => r.Flags.HasFlag(Cdat.ML.Diagnostics.StepFlags.CurvatureEstimated)) > 300, "every-8 mostly extrapolates");
        Assert.IsTrue(sub.Steps.All(r => r.Flags.HasFlag(Cdat.ML.Diagnostics.StepFlags.CurvatureSubsampled)), "subsample measures every step");
    }
}
