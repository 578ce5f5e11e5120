using Cdat.ML.Diagnostics;
using Cdat.ML.Objectives;
using Cdat.ML.Training;
using Cdat.ML.Training.Steps;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Training.Steps;

/// <summary>The pieces of one optimizer step, each on a quadratic with a known spectrum.</summary>
[TestClass]
public sealed class StepPiecesTests
{
    private static readonly double[] Spectrum = { 30.0, 12.0, 3.0, 0.7, 0.2 };

    [TestMethod]
    public void CurvatureIsMeasuredWhenDueAndElseExtrapolatedFromTheLargestOfTheLastThree()
    {
        using var q = new Quadratic(Spectrum);
        using var scope = NewDisposeScope();
        var parameters = new Tensor[] { q.W };
        var objective = new FunctionObjective(q.Loss);
        using var schedule = new CurvatureSchedule(new OptimizerOptions { CurvatureEvery = 3 });
        Assert.IsTrue(schedule.IsDue(5, tunerUsesCurvature: true), "nothing measured yet");
        Assert.IsFalse(schedule.IsDue(1, tunerUsesCurvature: false));

        double Measure(int eigen, bool due, double scale = 2.0) =>
            schedule.Measure(due, parameters, objective, null, new[] { q.Basis[.., eigen].mul(scale) }, scale * scale).Value;

        Assert.AreEqual(4 * 30.0, Measure(0, due: true), 1e-9, "uᵀHu along 2·v₀");
        Assert.AreEqual(4 * 0.2, Measure(4, due: true), 1e-9);
        Assert.IsFalse(schedule.IsDue(2, tunerUsesCurvature: true));
        Assert.IsTrue(schedule.IsDue(4, tunerUsesCurvature: true));
        var (estimate, flags) = schedule.Measure(false, parameters, objective, null, new[] { q.Basis[.., 3] }, 7.0);
        Assert.AreEqual(30.0 * 7.0, estimate, 1e-9, "largest recent directional sharpness × ‖u‖²");
        Assert.AreEqual(StepFlags.CurvatureEstimated, flags);

        Measure(4, due: true);
        Measure(3, due: true);
        Assert.AreEqual(0.7 * 7.0, schedule.Measure(false, parameters, objective, null, new[] { q.Basis[.., 3] }, 7.0).Value, 1e-9,
            "30 has left the last three measurements (0.2, 0.2, 0.7)");
        schedule.Reset();
        Assert.IsTrue(schedule.IsDue(2, tunerUsesCurvature: true));
    }

    [TestMethod]
    public void TrialPointsEvaluateWPlusLrUAndRestoreTheParametersBitForBit()
    {
        using var q = new Quadratic(Spectrum);
        using var scope = NewDisposeScope();
        var start = q.Snapshot();
        var u = torch.linspace(-1, 1, Spectrum.Length, dtype: ScalarType.Float64);
        var trials = new TrialPoints(new Tensor[] { q.W }, new[] { u }, new FunctionObjective(q.Loss));
        Assert.IsFalse(trials.MovedParameters);
        Assert.AreEqual(q.ValueAt(start + u.mul(0.3)), trials.LossAt(0.3), 1e-12);
        Assert.AreEqual(q.ValueAt(start + u.mul(-2.0)), trials.LossAt(-2.0), 1e-12);
        Assert.IsTrue(trials.MovedParameters);
        Assert.IsTrue(double.IsNaN(trials.LossAt(double.PositiveInfinity)));
        trials.Restore();
        Assert.IsTrue(q.W.eq(start).all().item<bool>(), "restored exactly");
    }

    [TestMethod]
    public void EarlyStoppingKeepsTheBestWeightsAndStopsAfterPatienceChecksWithoutAnImprovementAboveMinDelta()
    {
        using var q = new Quadratic(Spectrum);
        using var scope = NewDisposeScope();
        using var stopping = new EarlyStopping(new Tensor[] { q.W }, patience: 2, minDelta: 0.1);
        Assert.AreEqual(EarlyStopping.Verdict.Continue, stopping.Observe(1.0, step: 10));
        q.SetToEigenvector(1);
        var atStep20 = q.Snapshot();
        Assert.AreEqual(EarlyStopping.Verdict.Continue, stopping.Observe(0.95, step: 20), "lower but within minDelta: one check without improvement");
        q.SetToEigenvector(2);
        Assert.AreEqual(EarlyStopping.Verdict.Stop, stopping.Observe(0.97, step: 30), "second check without improvement");
        Assert.AreEqual(0.95, stopping.BestLoss);
        Assert.AreEqual(20L, stopping.BestStep);
        stopping.RestoreBest();
        Assert.IsTrue(q.W.eq(atStep20).all().item<bool>());
    }
}
