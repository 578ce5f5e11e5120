using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using static TorchSharp.torch;
using Verdict = Cdat.ML.Training.EarlyStopping.Verdict;

namespace Cdat.ML.Tests.Training;

[TestClass]
public sealed class EarlyStoppingTests
{
    [TestMethod]
    public void TheRateFallsAfterHalfThePatienceAndTrainingStopsAfterAllOfIt()
    {
        using var scope = NewDisposeScope();
        using var stopping = new EarlyStopping(new[] { zeros(3) }, patience: 4, minDelta: 0, decayAfter: 2);
        var losses = new[] { 1.0, 0.9, 0.95, 0.92, 0.91, 0.8, 0.85, 0.86, 0.87, 0.88 };
        var verdicts = losses.Select((loss, i) => stopping.Observe(loss, i)).ToArray();
        CollectionAssert.AreEqual(new[]
        {
            Verdict.Continue, Verdict.Continue,   // improvements
            Verdict.Continue, Verdict.DecayRate,  // two checks without improvement: the rate falls
            Verdict.Continue,                     // a third (0.91 is not below 0.9)...
            Verdict.Continue,                     // ...then an improvement resets both counts
            Verdict.Continue, Verdict.DecayRate, Verdict.Continue, Verdict.Stop,
        }, verdicts);
        Assert.AreEqual(0.8, stopping.BestLoss);
        Assert.AreEqual(5L, stopping.BestStep);
    }

    [TestMethod]
    public void APatienceWithRoomFallsMoreThanOnceOnOnePlateau()
    {
        using var scope = NewDisposeScope();
        Assert.AreEqual(2, EarlyStopping.DecayAfter(5));
        Assert.AreEqual(4, EarlyStopping.DecayAfter(8));
        Assert.IsNull(EarlyStopping.DecayAfter(1), "no check would fall between the decay and the stop");
        Assert.IsNull(EarlyStopping.DecayAfter(null));
        using var stopping = new EarlyStopping(new[] { zeros(3) }, patience: 5, minDelta: 0, decayAfter: EarlyStopping.DecayAfter(5));
        var verdicts = new[] { 1.0, 1.1, 1.2, 1.3, 1.4, 1.5 }.Select((loss, i) => stopping.Observe(loss, i)).ToArray();
        CollectionAssert.AreEqual(new[] { Verdict.Continue, Verdict.Continue, Verdict.DecayRate, Verdict.Continue, Verdict.DecayRate, Verdict.Stop }, verdicts);
    }

    [TestMethod]
    public void WithoutADecayCountOnlyThePatienceSpeaks()
    {
        using var scope = NewDisposeScope();
        using var stopping = new EarlyStopping(new[] { zeros(3) }, patience: 3, minDelta: 0);
        var verdicts = new[] { 1.0, 1.1, 1.2, 1.3 }.Select((loss, i) => stopping.Observe(loss, i)).ToArray();
        CollectionAssert.AreEqual(new[] { Verdict.Continue, Verdict.Continue, Verdict.Continue, Verdict.Stop }, verdicts);
    }

    [TestMethod]
    public void TheLoopMultipliesTheTunersRateAtEachFallAndNowhereElse()
    {
        using var scope = NewDisposeScope();
        var (x, y) = TestData.Digits();
        // Validation rows with shuffled labels: their loss soon stops improving, so the rate must fall before training stops.
        var shuffled = y.narrow(0, 1500, 297).index_select(0, randperm(297, generator: new TorchSharp.torch.Generator(3)));
        var net = new MultilayerPerceptron(64, new[] { 16 }, 10).Build(seed: 1);
        using var dir = new GradientDescentDirection();
        using var train = new Cdat.ML.Batches.TensorBatches(x.narrow(0, 0, 1500), y.narrow(0, 0, 1500), 100, seed: 2);
        using var validation = new Cdat.ML.Batches.TensorBatches(x.narrow(0, 1500, 297), shuffled);
        const double rate = 0.2, factor = 0.5;
        var result = new TrainingLoop(net, Losses.SoftmaxCrossEntropy, dir, new ConstantTuner(rate),
            new TrainingOptions { MaxSteps = 2000, ValidationEvery = 5, EarlyStoppingPatience = 6, PlateauRateFactor = factor }).Run(train, validation);

        Assert.AreEqual(StopReason.EarlyStopped, result.StopReason);
        // Replay the checks: the rate of each step is the tuner's times the factor once per fall seen before it.
        using var replay = new EarlyStopping(new[] { zeros(1) }, patience: 6, minDelta: 0, decayAfter: 3);
        int falls = 0;
        foreach (var step in result.Steps)
        {
            Assert.AreEqual(rate * Math.Pow(factor, falls), step.LearningRate, 1e-12, $"step {step.Step}");
            if (step.ValidationLoss is double loss && replay.Observe(loss, step.Step) == Verdict.DecayRate) falls++;
        }
        Assert.IsTrue(falls >= 1, "the validation loss plateaued at least once before training stopped");
    }
}
