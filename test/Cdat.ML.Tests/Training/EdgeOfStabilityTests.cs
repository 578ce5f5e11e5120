using Cdat.ML.Diagnostics;
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
        var exact = DigitsRuns.Run(new CdatTuner(sigma: 2, beta: 0), 400, sharpnessEvery: 10);
        double e = DigitsRuns.LateEdge(exact);
        TestContext.WriteLine($"exact: late edge {e:F4}, final loss {exact.FinalLoss:E3}");
        foreach (var (name, options) in new (string, OptimizerOptions)[]
        {
            ("every 8", new() { CurvatureEvery = 8 }),
            ("every 16", new() { CurvatureEvery = 16 }),
            ("subsample 1/8", new() { CurvatureSubsampleRows = 1797 / 8 }),
        })
        {
            var run = DigitsRuns.Run(new CdatTuner(sigma: 2, beta: 0), 400, 10, optimizer: options);
            double a = DigitsRuns.LateEdge(run);
            TestContext.WriteLine($"{name}: late edge {a:F4}, final loss {run.FinalLoss:E3}");
            Assert.IsTrue(Math.Abs(a / e - 1) <= 0.10, $"{name}: edge {a:F4} vs exact {e:F4}");
            Assert.IsTrue(run.FinalLoss < 1.5 * exact.FinalLoss, $"{name}: final loss {run.FinalLoss:E3} vs exact {exact.FinalLoss:E3}");
            var flag = options.CurvatureSubsampleRows is null ? StepFlags.CurvatureEstimated : StepFlags.CurvatureSubsampled;
            int expected = options.CurvatureSubsampleRows is null ? 400 - 400 / options.CurvatureEvery : 400;
            Assert.AreEqual(expected, run.Steps.Count(r => r.Flags.HasFlag(flag)), name);
        }
    }
}
