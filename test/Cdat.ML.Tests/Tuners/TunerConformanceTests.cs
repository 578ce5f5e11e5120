using Cdat.ML.Directions;
using Cdat.ML.Training;
using Cdat.ML.Tuners;

namespace Cdat.ML.Tests.Tuners;

/// <summary>What every step-size rule must do, on a quadratic and with each direction.</summary>
[TestClass]
public sealed class TunerConformanceTests
{
    public static IEnumerable<object[]> Tuners() => new Func<ILearningRateTuner>[]
    {
        () => new ConstantTuner(0.05),
        () => new ScheduleTuner(0.05, warmupSteps: 3, ScheduleShape.Cosine, totalSteps: 30),
        () => new CdatTuner(sigma: 2, beta: 0),
        () => new CdatTuner(sigma: 1.5, beta: 0.9),
        () => CdatTuner.QuadraticallyGreedy(),
        () => ArmijoTuner.FromPreset(ArmijoPreset.Optax),
        () => ArmijoTuner.FromPreset(ArmijoPreset.Jaxopt),
        () => ArmijoTuner.FromPreset(ArmijoPreset.Sls),
        () => new PolyakTuner(),
        () => new PolyakTuner(c: 0.5, variant: PolyakVariant.Plus),
        () => new PolyakTuner(c: 0.5, variant: PolyakVariant.Smooth),
        () => new DogTuner(),
    }.Select(f => new object[] { f().Name, f });

    public static IEnumerable<object[]> Directions() => new Func<IDirection>[]
    {
        () => new GradientDescentDirection(), () => new MomentumDirection(0.9), () => new MomentumDirection(0.5, nesterov: true),
        () => new RmsPropDirection(), () => new AdamDirection(), () => new ProdigyDirection(),
        () => new ScheduleFreeAdamWDirection(learningRate: 0.05),
    }.Select(f => new object[] { f().Name, f });

    // Prodigy and schedule-free AdamW are whole optimizers whose update already holds their step (not linear in the
    // rate); the Polyak rules without a fixed cap (SPS+, and polyak-smooth's cap that doubles every step) rescale it
    // without bound, and the pair fails by design.
    public static IEnumerable<object[]> Combinations() =>
        from t in Tuners() from d in Directions()
        where !(((string)t[0]).StartsWith("polyak-smooth", StringComparison.Ordinal) || ((string)t[0]).StartsWith("polyak-plus", StringComparison.Ordinal))
              || (string)d[0] is not ("prodigy" or "schedule-free-adamw")
        select new[] { t[0], d[0], t[1], d[1] };

    [TestMethod]
    [DynamicData(nameof(Combinations))]
    public void EveryTunerGivesFiniteNonNegativeRatesAdvancesAndFillsTheRecord(string tunerName, string directionName,
        Func<ILearningRateTuner> makeTuner, Func<IDirection> makeDirection)
    {
        using var q = new Quadratic(new[] { 4.0, 2.0, 1.0, 0.5, 0.1 });
        var tuner = makeTuner();
        using var direction = makeDirection();
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, direction, tuner, new OptimizerOptions { SharpnessEvery = 5 });
        double first = q.Value();
        for (int t = 1; t <= 30; t++)
        {
            var r = opt.Step(q.Loss);
            Assert.AreEqual(t, r.Step);
            Assert.AreEqual(t, tuner.StepCount, "tuner state advances once per step");
            Assert.AreEqual(t, direction.StepCount, "direction state advances once per step");
            Assert.IsTrue(double.IsFinite(r.LearningRate) && r.LearningRate >= 0, $"lr {r.LearningRate}");
            Assert.IsTrue(double.IsFinite(r.Loss) && double.IsFinite(r.GradientNorm) && double.IsFinite(r.DirectionNorm));
            Assert.IsTrue(r.Milliseconds > 0, "the step was timed");
            if (tuner.UsesCurvature && r.Decrease > 0) Assert.IsNotNull(r.Curvature, "curvature recorded");
            if ((t - 1) % 5 == 0)
            {
                Assert.IsNotNull(r.Sharpness);
                Assert.AreEqual(4.0, r.Sharpness!.Value, 1e-6);
                if (r.LearningRate > 0) Assert.AreEqual(r.LearningRate * 2.0, r.Edge!.Value, 1e-9 * Math.Max(1.0, r.LearningRate));
                if (direction.Preconditioner() is not null) Assert.IsNotNull(r.PreconditionedSharpness);
            }
            else Assert.IsNull(r.Sharpness);
            Assert.IsTrue(q.W.isfinite().all().item<bool>());
        }
        Assert.IsTrue(q.Value() < first, $"{tunerName} with {directionName} made no progress");

        tuner.Reset();
        direction.Reset();
        Assert.AreEqual(0, tuner.StepCount);
        // Reset means "as new": from the same start, the same rates as a fresh tuner and direction.
        using var freshDirection = makeDirection();
        CollectionAssert.AreEqual(FirstRates(makeTuner(), freshDirection), FirstRates(tuner, direction), $"{tunerName} after Reset");
    }

    private static double[] FirstRates(ILearningRateTuner tuner, IDirection direction)
    {
        using var q = new Quadratic(new[] { 4.0, 2.0, 1.0, 0.5, 0.1 });
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, direction, tuner);
        return Enumerable.Range(0, 4).Select(_ => opt.Step(q.Loss).LearningRate).ToArray();
    }
}
