using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Tuners;

[TestClass]
public sealed class CdatTunerTests
{
    private static readonly double[] Spectrum = { 10.0, 4.0, 2.5, 1.0, 0.5, 0.1 };

    [TestMethod]
    public void SigmaOneIsExactLineSearchAlongTheGradient()
    {
        using var q = new Quadratic(Spectrum);
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, new GradientDescentDirection(), CdatTuner.QuadraticallyGreedy(epsilon: 0));
        for (int t = 0; t < 5; t++)
        {
            using var w0 = q.Snapshot();
            using var g = q.A.mv(w0);
            var record = opt.Step(q.Loss);
            // Exact minimiser along -g of a quadratic: gᵀg / gᵀAg.
            double exact = g.dot(g).item<double>() / g.dot(q.A.mv(g)).item<double>();
            Assert.AreEqual(exact, record.LearningRate, 1e-12 * exact);
            // No other step along -g does better.
            double f = q.Value();
            foreach (double s in new[] { 0.9, 0.99, 1.01, 1.1 })
                Assert.IsTrue(f <= q.ValueAt(w0 - g * (s * exact)) + 1e-15);
        }
    }

    [TestMethod]
    public void SigmaTwoLeavesTheLossUnchanged()
    {
        using var q = new Quadratic(Spectrum);
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, new GradientDescentDirection(), new CdatTuner(sigma: 2, beta: 0, epsilon: 0));
        for (int t = 0; t < 5; t++)
        {
            double before = q.Value();
            var record = opt.Step(q.Loss);
            Assert.IsTrue(record.LearningRate > 0);
            Assert.AreEqual(before, q.Value(), 1e-12 * before);
        }
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(2)]
    [DataRow(5)]
    public void FromAnEigenvectorTheStepsAreOneAndTwoOverLambda(int index)
    {
        double lambda = Spectrum[index];
        using var q = new Quadratic(Spectrum);

        q.SetToEigenvector(index, 3.0);
        using var start = q.Snapshot();
        using (var greedy = new CurvatureAwareOptimizer(new[] { q.W }, new GradientDescentDirection(), CdatTuner.QuadraticallyGreedy(epsilon: 0)))
        {
            var r = greedy.Step(q.Loss);
            Assert.AreEqual(1 / lambda, r.LearningRate, 1e-12 / lambda);
            Assert.AreEqual(0.0, q.W.abs().max().item<double>(), 1e-12, "σ = 1 lands on the minimum");
        }

        q.Set(start);
        using (var edge = new CurvatureAwareOptimizer(new[] { q.W }, new GradientDescentDirection(), new CdatTuner(sigma: 2, beta: 0, epsilon: 0)))
        {
            var r = edge.Step(q.Loss);
            Assert.AreEqual(2 / lambda, r.LearningRate, 1e-12 / lambda);
            Assert.AreEqual(0.0, (q.W + start).abs().max().item<double>(), 1e-12, "σ = 2 maps w to −w");
        }
    }

    [TestMethod]
    public void TheEmaFirstStepEqualsTheInstantaneousStep()
    {
        using var q = new Quadratic(Spectrum);
        using var start = q.Snapshot();
        double Instant()
        {
            q.Set(start);
            using var opt = new CurvatureAwareOptimizer(new[] { q.W }, new GradientDescentDirection(), new CdatTuner(sigma: 2, beta: 0, epsilon: 0));
            return opt.Step(q.Loss).LearningRate;
        }
        double instant = Instant();
        q.Set(start);
        using var smoothed = new CurvatureAwareOptimizer(new[] { q.W }, new GradientDescentDirection(), new CdatTuner(sigma: 2, beta: 0.9, epsilon: 0));
        var first = smoothed.Step(q.Loss);
        Assert.AreEqual(instant, first.LearningRate, 1e-12 * instant);

        // Later steps average: the rate equals σ·n̄/d̄ of the recorded EMAs.
        var second = smoothed.Step(q.Loss);
        Assert.AreEqual(2 * second.SmoothedNumerator!.Value / second.SmoothedDenominator!.Value, second.LearningRate, 1e-12);
        Assert.AreEqual(0.9 * first.SmoothedNumerator!.Value + 0.1 * second.Decrease, second.SmoothedNumerator!.Value, 1e-12);
    }

    [TestMethod]
    public void NegativeCurvatureGivesAFinitePositiveStepAlongAbsoluteCurvature()
    {
        // f(w) = ½ wᵀAw with an indefinite A: along the negative direction uᵀHu < 0.
        using var q = new Quadratic(new[] { -2.0, -1.0 });
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, new GradientDescentDirection(), CdatTuner.QuadraticallyGreedy(epsilon: 0));
        var r = opt.Step(q.Loss);
        Assert.IsTrue(r.Curvature < 0);
        Assert.IsTrue(r.Flags.HasFlag(StepFlags.NegativeCurvature));
        Assert.AreEqual(r.Decrease / Math.Abs(r.Curvature!.Value), r.LearningRate, 1e-12);
        Assert.IsTrue(q.W.isfinite().all().item<bool>());
    }

    [TestMethod]
    public void ANonDescentMomentumDirectionGivesAZeroStepButAdvancesTheMomentum()
    {
        using var q = new Quadratic(new[] { 1.0, 1.0 });
        var momentum = new MomentumDirection(0.9);
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, momentum, CdatTuner.QuadraticallyGreedy(epsilon: 0));
        // Build momentum along +w, then flip w so the accumulated momentum points uphill.
        opt.Step(q.Loss);
        using (no_grad()) q.W.neg_();
        using var before = q.Snapshot();
        var r = opt.Step(q.Loss);
        Assert.IsTrue(r.Decrease <= 0, "direction is not a descent direction");
        Assert.AreEqual(0.0, r.LearningRate);
        Assert.IsTrue(r.Flags.HasFlag(StepFlags.NonDescent));
        Assert.IsTrue(q.W.allclose(before, 0, 0), "parameters unchanged");
        Assert.AreEqual(2, momentum.StepCount, "the direction's state still advanced");
    }

    [TestMethod]
    public void ZeroGradientGivesAZeroStep()
    {
        using var q = new Quadratic(Spectrum);
        using (no_grad()) q.W.zero_();
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, new GradientDescentDirection(), new CdatTuner(sigma: 2, beta: 0, epsilon: 0));
        var r = opt.Step(q.Loss);
        Assert.AreEqual(0.0, r.LearningRate);
        Assert.IsTrue(r.Flags.HasFlag(StepFlags.ZeroGradient));
        Assert.AreEqual(0.0, q.W.abs().max().item<double>());
    }

    [TestMethod]
    public void ANaNLossSkipsTheStepAndLeavesTheParametersFinite()
    {
        using var q = new Quadratic(Spectrum);
        using var before = q.Snapshot();
        var tuner = new CdatTuner(sigma: 2, beta: 0);
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, new GradientDescentDirection(), tuner);
        var r = opt.Step(() => q.Loss() * double.NaN);
        Assert.IsTrue(r.Flags.HasFlag(StepFlags.NonFinite) && r.Flags.HasFlag(StepFlags.Skipped));
        Assert.AreEqual(0.0, r.LearningRate);
        Assert.IsTrue(q.W.allclose(before, 0, 0));
        // A later finite step works normally.
        Assert.IsTrue(opt.Step(q.Loss).LearningRate > 0);
    }

    [TestMethod]
    public void TheCapLimitsTheStepAndIsReported()
    {
        using var q = new Quadratic(Spectrum);
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, new GradientDescentDirection(), new CdatTuner(sigma: 2, beta: 0, maxLearningRate: 1e-3));
        var r = opt.Step(q.Loss);
        Assert.AreEqual(1e-3, r.LearningRate);
        Assert.IsTrue(r.Flags.HasFlag(StepFlags.CapActive));
    }

    [TestMethod]
    public void InvalidArgumentsNameTheOption()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CdatTuner(sigma: 0));
        Assert.AreEqual("sigma", e.ParamName);
        Assert.AreEqual("beta", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CdatTuner(sigma: 2, beta: 1)).ParamName);
        Assert.AreEqual("epsilon", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CdatTuner(sigma: 2, epsilon: double.NaN)).ParamName);
    }

    [TestMethod]
    public void TheNoiseCorrectedNumeratorKeepsTheShareOfTheGradientThatIsNotNoise()
    {
        // −gᵀu = 4 of which tr(SΣ)/|B| = 1 is the batch's noise, so the numerator is 3; curvature 2.
        var context = new FakeStepContext { GradientDotDirection = -4, GradientNormSquared = 4, DirectionNormSquared = 4, CurvatureValue = 2, DecreaseNoiseValue = 1, StepsPerEpoch = 10 };
        Assert.AreEqual(1.5 * 3 / 2, new CdatTuner(sigma: 1.5, beta: 0, epsilon: 0, noiseCorrected: true).Propose(context).LearningRate, 1e-15);
        Assert.AreEqual(1.5 * 4 / 2, new CdatTuner(sigma: 1.5, beta: 0, epsilon: 0).Propose(context).LearningRate, 1e-15, "uncorrected: today's rule");
        // All noise: no step. An estimate larger than ‖g‖² (it is noisy itself) is clamped to the same.
        foreach (double noise in new[] { 4.0, 7.0 })
        {
            var step = new CdatTuner(sigma: 1, beta: 0, noiseCorrected: true).Propose(new FakeStepContext { GradientDotDirection = -4, GradientNormSquared = 4, DecreaseNoiseValue = noise });
            Assert.AreEqual(0.0, step.LearningRate);
            Assert.IsTrue(step.Flags.HasFlag(StepFlags.Skipped));
        }
        // A non-finite estimate skips the step without touching the averages: the next step is the EMA's first.
        var tuner = new CdatTuner(sigma: 1, beta: 0.9, noiseCorrected: true);
        Assert.IsTrue(tuner.Propose(new FakeStepContext { DecreaseNoiseValue = double.NaN }).Flags.HasFlag(StepFlags.NonFinite));
        var next = tuner.Propose(new FakeStepContext { GradientDotDirection = -4, GradientNormSquared = 4, DecreaseNoiseValue = 1 });
        Assert.AreEqual(0.1 * 3, next.SmoothedNumerator!.Value, 1e-15);
        StringAssert.Contains(tuner.Name, "noise-corrected");
    }
}
