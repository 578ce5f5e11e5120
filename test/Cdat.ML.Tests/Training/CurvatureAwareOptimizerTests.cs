using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Training;

[TestClass]
public sealed class CurvatureAwareOptimizerTests
{
    [TestMethod]
    public void ResetMakesTheOptimizerAsNew()
    {
        // Every stateful piece takes part: Adam's moments, CDAT's EMA, the curvature schedule and the sharpness estimator.
        // Two Lanczos products do not converge on five eigenvalues: the estimate depends on the start vector, so a
        // warm start or generator left over from before the reset shows.
        var options = new OptimizerOptions { SharpnessEvery = 3, CurvatureEvery = 2, SharpnessIterations = 2 };
        using var q = new Quadratic(new[] { 4.0, 2.0, 1.0, 0.5, 0.1 });
        using var direction = new AdamDirection();
        using var used = new CurvatureAwareOptimizer(new[] { q.W }, direction, new CdatTuner(sigma: 2, beta: 0.9), options);
        for (int t = 0; t < 7; t++) used.Step(q.Loss);
        used.RateScale = 0.25;  // as a plateau would leave it

        using var start = q.W.detach().clone();
        used.Reset();
        Assert.AreEqual(0, used.StepCount);
        var afterReset = Steps(used, q, 6);

        using (no_grad()) q.W.copy_(start);
        using var freshDirection = new AdamDirection();
        using var fresh = new CurvatureAwareOptimizer(new[] { q.W }, freshDirection, new CdatTuner(sigma: 2, beta: 0.9), options);
        var asNew = Steps(fresh, q, 6);

        for (int i = 0; i < asNew.Length; i++)
        {
            Assert.AreEqual(asNew[i].Step, afterReset[i].Step);
            Assert.AreEqual(asNew[i].LearningRate, afterReset[i].LearningRate, 1e-12 * Math.Abs(asNew[i].LearningRate), $"step {i + 1}");
            Assert.AreEqual(asNew[i].Flags, afterReset[i].Flags, $"step {i + 1}");
            Assert.AreEqual(asNew[i].Curvature!.Value, afterReset[i].Curvature!.Value, 1e-12 * Math.Abs(asNew[i].Curvature!.Value), $"step {i + 1}");
            Assert.AreEqual(asNew[i].Sharpness is null, afterReset[i].Sharpness is null, $"sharpness measured at step {i + 1}");
            if (asNew[i].Sharpness is double s) Assert.AreEqual(s, afterReset[i].Sharpness!.Value, 1e-12 * s, $"sharpness at step {i + 1}");
        }
        // Both kinds of step take part: measured curvature and curvature extrapolated by the schedule.
        Assert.IsTrue(asNew.Any(r => r.Flags.HasFlag(StepFlags.CurvatureEstimated)) && asNew.Any(r => !r.Flags.HasFlag(StepFlags.CurvatureEstimated)));
    }

    [TestMethod]
    public void TheRateScaleMultipliesTheTunersRateAndRefusesWhatIsNotAPositiveFactor()
    {
        using var q = new Quadratic(new[] { 4.0, 2.0, 1.0 });
        using var direction = new GradientDescentDirection();
        using var optimizer = new CurvatureAwareOptimizer(new[] { q.W }, direction, new ConstantTuner(0.1));
        Assert.AreEqual(0.1, optimizer.Step(q.Loss).LearningRate, 1e-15);
        optimizer.RateScale = 0.5;
        Assert.AreEqual(0.05, optimizer.Step(q.Loss).LearningRate, 1e-15);
        foreach (double bad in new[] { 0.0, -1.0, double.NaN, double.PositiveInfinity })
            Assert.AreEqual(nameof(CurvatureAwareOptimizer.RateScale), Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => optimizer.RateScale = bad).ParamName);
        Assert.AreEqual(0.5, optimizer.RateScale, "a refused value leaves the scale as it was");
    }

    private static StepRecord[] Steps(CurvatureAwareOptimizer optimizer, Quadratic q, int count)
    {
        var records = new StepRecord[count];
        for (int i = 0; i < count; i++) records[i] = optimizer.Step(q.Loss);
        return records;
    }
}
