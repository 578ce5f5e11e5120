using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Training;
using Cdat.ML.Tuners;

namespace Cdat.ML.Tests.Tuners;

[TestClass]
public sealed class PolyakTunerTests
{
    [TestMethod]
    public void TheStepIsTheGapOverScaledSquaredNorm()
    {
        var ctx = new FakeStepContext { Loss = 3.0, DirectionNormSquared = 4.0 };
        var step = new PolyakTuner(c: 0.5, optimalLoss: 1.0, maxLearningRate: 10.0, epsilon: 0.0).Propose(ctx);
        Assert.AreEqual((3.0 - 1.0) / (0.5 * 4.0), step.LearningRate, 1e-15);
        Assert.IsFalse(step.Flags.HasFlag(StepFlags.CapActive));
    }

    [TestMethod]
    public void TheCapLimitsTheStep()
    {
        var ctx = new FakeStepContext { Loss = 100.0, DirectionNormSquared = 1.0 };
        var step = new PolyakTuner(maxLearningRate: 0.3).Propose(ctx);
        Assert.AreEqual(0.3, step.LearningRate);
        Assert.IsTrue(step.Flags.HasFlag(StepFlags.CapActive));
        Assert.AreEqual(100.0, new PolyakTuner(maxLearningRate: 0.3, variant: PolyakVariant.Plus).Propose(ctx).LearningRate, "SPS+ has no cap");
    }

    [TestMethod]
    public void BelowTheOptimalLossOrAtAZeroGradientThereIsNoStep()
    {
        Assert.AreEqual(0.0, new PolyakTuner(optimalLoss: 2.0).Propose(new FakeStepContext { Loss = 1.0 }).LearningRate);
        var flat = new PolyakTuner().Propose(new FakeStepContext { DirectionNormSquared = 0.0 });
        Assert.AreEqual(0.0, flat.LearningRate);
        Assert.IsTrue(flat.Flags.HasFlag(StepFlags.ZeroGradient));
        var nan = new PolyakTuner().Propose(new FakeStepContext { Loss = double.NaN });
        Assert.IsTrue(nan.Flags.HasFlag(StepFlags.NonFinite));
    }

    [TestMethod]
    [DataRow(1.0, 0.5)]
    [DataRow(0.5, 1.0)]
    [DataRow(0.2, 2.5)]
    public void AlongAnEigenvectorLrTimesLambdaIsOneOverTwoC(double c, double expected)
    {
        const double lambda = 3.0;
        using var q = new Quadratic(new[] { lambda, 1.0, 0.5 });
        q.SetToEigenvector(0, 2.0);
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, new GradientDescentDirection(), new PolyakTuner(c: c, maxLearningRate: 100));
        var r = opt.Step(q.Loss);
        Assert.AreEqual(expected, r.LearningRate * lambda, 1e-12);
    }

    [TestMethod]
    public void TheSmoothVariantCapGrowsByGammaPerEpoch()
    {
        var tuner = new PolyakTuner(variant: PolyakVariant.Smooth, smoothingGrowth: 2.0, initialLearningRate: 0.1);
        var ctx = new FakeStepContext { Loss = 1e6, StepsPerEpoch = 2 };
        var first = tuner.Propose(ctx);
        var second = tuner.Propose(ctx);
        Assert.AreEqual(0.1 * Math.Sqrt(2), first.LearningRate, 1e-12);
        Assert.AreEqual(0.2, second.LearningRate, 1e-12);
    }
}
