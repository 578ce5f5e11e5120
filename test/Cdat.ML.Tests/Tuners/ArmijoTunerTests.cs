using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Training;
using Cdat.ML.Tuners;

namespace Cdat.ML.Tests.Tuners;

[TestClass]
public sealed class ArmijoTunerTests
{
    [TestMethod]
    [DataRow(ArmijoPreset.Optax)]
    [DataRow(ArmijoPreset.Jaxopt)]
    [DataRow(ArmijoPreset.Sls)]
    public void AcceptedStepsSatisfySufficientDecreaseOnAQuadratic(ArmijoPreset preset)
    {
        using var q = new Quadratic(new[] { 30.0, 12.0, 3.0, 0.7, 0.2 });
        var tuner = ArmijoTuner.FromPreset(preset);
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, new GradientDescentDirection(), tuner);
        for (int t = 0; t < 20; t++)
        {
            double before = q.Value();
            var r = opt.Step(q.Loss);
            Assert.IsFalse(r.Flags.HasFlag(StepFlags.LineSearchFailed), $"step {t} failed");
            // f(w + lr u) ≤ f(w) + c·lr·gᵀu, with gᵀu = −Decrease.
            Assert.IsTrue(q.Value() <= before - tuner.C * r.LearningRate * r.Decrease + 1e-14, $"step {t}: no sufficient decrease");
            Assert.IsTrue(r.Trials >= 1);
            Assert.IsTrue(r.LearningRate <= tuner.MaxLearningRate);
        }
    }

    [TestMethod]
    public void OnAQuadraticItAcceptsExactlyUpToTheTheoreticalBound()
    {
        // Along u = −g with curvature κ, Armijo holds iff lr ≤ 2(1 − c)/κ.
        const double kappa = 4.0, c = 0.1;
        var ctx = new FakeStepContext { CurvatureValue = kappa };
        var tuner = new ArmijoTuner(c: c, decreaseFactor: 0.99, maxLearningRate: 5.0, maxBacktrackingSteps: 500, initialLearningRate: 5.0);
        var step = tuner.Propose(ctx);
        double bound = 2 * (1 - c) / kappa;
        Assert.IsTrue(step.LearningRate <= bound && step.LearningRate > 0.99 * bound, $"lr {step.LearningRate} vs bound {bound}");
    }

    [TestMethod]
    [DataRow(0.0, 0.0, false)]     // f(w + lr·u) = f + 0.05 fails the plain test at every trial
    [DataRow(0.01, 0.0, true)]     // rtol: f + 0.05 ≤ (1 + 0.01)·f + c·lr·gᵀu (slack 0.1)
    [DataRow(0.0, 0.06, true)]     // atol: the violation 0.05 + c·lr is within 0.06
    [DataRow(0.0, 0.04, false)]    // atol below the violation
    [DataRow(0.004, 0.0, false)]   // rtol slack 0.04 below the violation
    public void TolerancesAcceptTrialsWithinTheirSlackAndNoOthers(double relative, double absolute, bool accepted)
    {
        var ctx = new FakeStepContext { Loss = 10.0, LossFunction = _ => 10.05 };
        var tuner = new ArmijoTuner(decreaseFactor: 0.5, maxLearningRate: 1.0, maxBacktrackingSteps: 3, failurePolicy: ArmijoFailurePolicy.Zero,
                                    relativeTolerance: relative, absoluteTolerance: absolute);
        var step = tuner.Propose(ctx);
        Assert.AreEqual(!accepted, step.Flags.HasFlag(StepFlags.LineSearchFailed));
        if (accepted)
        {
            Assert.AreEqual(1.0, step.LearningRate, "the first trial is within the slack");
            Assert.AreEqual(1, step.Trials);
        }
        else
        {
            Assert.AreEqual(0.0, step.LearningRate);
            Assert.AreEqual(4, step.Trials);
        }
    }

    [TestMethod]
    public void WarmStartGrowsThePreviousStepAndBacktracksGeometrically()
    {
        var ctx = new FakeStepContext { CurvatureValue = 100.0 };
        var tuner = new ArmijoTuner(c: 1e-4, decreaseFactor: 0.5, increaseFactor: 2.0, maxLearningRate: 1.0, maxBacktrackingSteps: 20);
        tuner.Propose(ctx);
        CollectionAssert.AreEqual(new[] { 1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625 }, ctx.Trials);
        ctx.Trials.Clear();
        tuner.Propose(ctx);
        Assert.AreEqual(2 * 0.015625, ctx.Trials[0], "next guess = increase × previous accepted");
    }

    [TestMethod]
    public void FailurePolicyUseLastTakesTheSmallestTrial()
    {
        var ctx = new FakeStepContext { LossFunction = _ => 10.0 };  // never decreases
        var tuner = new ArmijoTuner(decreaseFactor: 0.5, maxLearningRate: 1.0, maxBacktrackingSteps: 3, failurePolicy: ArmijoFailurePolicy.UseLast);
        var step = tuner.Propose(ctx);
        Assert.AreEqual(4, step.Trials);
        Assert.AreEqual(0.125, step.LearningRate);
        Assert.IsTrue(step.Flags.HasFlag(StepFlags.LineSearchFailed));
    }

    [TestMethod]
    public void FailurePolicyUseLastTakesNoStepWhenTheLossIsNotFinite()
    {
        var ctx = new FakeStepContext { LossFunction = _ => double.NaN };
        var step = new ArmijoTuner(maxBacktrackingSteps: 2).Propose(ctx);
        Assert.AreEqual(0.0, step.LearningRate);
        Assert.IsTrue(step.Flags.HasFlag(StepFlags.NonFinite) && step.Flags.HasFlag(StepFlags.Skipped));
    }

    [TestMethod]
    public void FailurePolicyZeroTakesNoStep()
    {
        var ctx = new FakeStepContext { LossFunction = _ => 10.0 };
        var step = new ArmijoTuner(maxBacktrackingSteps: 2, failurePolicy: ArmijoFailurePolicy.Zero).Propose(ctx);
        Assert.AreEqual(0.0, step.LearningRate);
        Assert.IsTrue(step.Flags.HasFlag(StepFlags.LineSearchFailed) && step.Flags.HasFlag(StepFlags.Skipped));
    }

    [TestMethod]
    public void FailurePolicyTinyStepMovesByTheFixedStepButRemembersTheReducedTrial()
    {
        var ctx = new FakeStepContext { LossFunction = _ => 10.0 };
        var tuner = new ArmijoTuner(decreaseFactor: 0.5, increaseFactor: 1.0, maxBacktrackingSteps: 2, failurePolicy: ArmijoFailurePolicy.TinyStep);
        var step = tuner.Propose(ctx);
        Assert.AreEqual(ArmijoTuner.TinyLearningRate, step.LearningRate);
        Assert.AreEqual(0.25, tuner.PreviousLearningRate);
    }

    [TestMethod]
    public void ANonDescentDirectionIsNotSearched()
    {
        var ctx = new FakeStepContext { GradientDotDirection = 0.5 };
        var step = ArmijoTuner.FromPreset(ArmijoPreset.Optax).Propose(ctx);
        Assert.AreEqual(0.0, step.LearningRate);
        Assert.AreEqual(0, ctx.Trials.Count);
        Assert.IsTrue(step.Flags.HasFlag(StepFlags.NonDescent));
    }

    [TestMethod]
    public void SlsGrowsTheStepByGammaPerEpoch()
    {
        var ctx = new FakeStepContext { CurvatureValue = 1e-6, StepsPerEpoch = 4 };
        var tuner = ArmijoTuner.FromPreset(ArmijoPreset.Sls);
        for (int i = 0; i < 4; i++) tuner.Propose(ctx);
        Assert.AreEqual(2.0, tuner.PreviousLearningRate, 1e-12, "γ = 2 per epoch of 4 steps");
    }

    [TestMethod]
    public void InvalidArgumentsNameTheOption()
    {
        Assert.AreEqual("c", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ArmijoTuner(c: 1.5)).ParamName);
        Assert.AreEqual("decreaseFactor", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ArmijoTuner(decreaseFactor: 1)).ParamName);
        Assert.AreEqual("increaseFactor", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ArmijoTuner(increaseFactor: 0.5)).ParamName);
        Assert.AreEqual("maxBacktrackingSteps", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ArmijoTuner(maxBacktrackingSteps: -1)).ParamName);
    }

    [TestMethod]
    public void TrialPointsThenSharpnessAndCurvatureOnTheSameStepDoNotAbort()
    {
        // Trial losses write the parameters in place; a graph retained from before must not be reused afterwards
        // (libtorch would abort the process). A network, not a quadratic, is what exposes it.
        using var scope = TorchSharp.torch.NewDisposeScope();
        var (net, objective, _) = Cdat.ML.Tests.Curvature.HessianTests.SmallMlp(Cdat.ML.Networks.Activation.Tanh);
        var both = new TrialsThenCurvature();
        using var opt = new CurvatureAwareOptimizer(net.parameters(), new GradientDescentDirection(), both, new OptimizerOptions { SharpnessEvery = 1 });
        for (int i = 0; i < 3; i++)
        {
            var r = opt.Step(objective);
            Assert.IsNotNull(r.Sharpness);
            Assert.IsTrue(double.IsFinite(r.Curvature!.Value));
        }
        using var armijo = new CurvatureAwareOptimizer(net.parameters(), new GradientDescentDirection(), ArmijoTuner.FromPreset(ArmijoPreset.Optax),
                                                       new OptimizerOptions { SharpnessEvery = 1 });
        Assert.IsNotNull(armijo.Step(objective).Sharpness);
    }

    /// <summary>A rule that evaluates a trial point and then asks for the curvature.</summary>
    private sealed class TrialsThenCurvature : ILearningRateTuner
    {
        public string Name => "trials-then-curvature";
        public bool UsesCurvature => true;
        public long StepCount { get; private set; }
        public TunerStep Propose(IStepContext context)
        {
            StepCount++;
            context.LossAt(1e-3);
            return new TunerStep(1e-3 * Math.Sign(context.Curvature() + 1));
        }
        public void Reset() => StepCount = 0;
    }
}
