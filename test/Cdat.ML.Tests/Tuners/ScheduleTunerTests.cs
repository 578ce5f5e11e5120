using Cdat.ML.Tuners;

namespace Cdat.ML.Tests.Tuners;

[TestClass]
public sealed class ScheduleTunerTests
{
    [TestMethod]
    public void WarmupRisesLinearlyThenCosineDecaysToTheFinalRate()
    {
        var s = new ScheduleTuner(1.0, warmupSteps: 4, ScheduleShape.Cosine, totalSteps: 14, finalLearningRate: 0.1);
        Assert.AreEqual(0.25, s.LearningRateAt(1));
        Assert.AreEqual(1.0, s.LearningRateAt(4));
        Assert.AreEqual(0.55, s.LearningRateAt(9), 1e-12, "half-way through the decay");
        Assert.AreEqual(0.1, s.LearningRateAt(14), 1e-12);
        Assert.AreEqual(0.1, s.LearningRateAt(100), 1e-12);
    }

    [TestMethod]
    public void ConstantShapeHoldsThePeak()
    {
        var s = new ScheduleTuner(0.5, warmupSteps: 2);
        var ctx = new FakeStepContext();
        CollectionAssert.AreEqual(new[] { 0.25, 0.5, 0.5 }, new[] { s.Propose(ctx), s.Propose(ctx), s.Propose(ctx) }.Select(x => x.LearningRate).ToArray());
    }

    [TestMethod]
    public void ACosineScheduleNeedsALength()
    {
        Assert.AreEqual("totalSteps", Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => new ScheduleTuner(1.0, warmupSteps: 10, ScheduleShape.Cosine, totalSteps: 5)).ParamName);
    }
}
