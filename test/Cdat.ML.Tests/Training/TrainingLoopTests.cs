using Cdat.ML.Batches;
using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Training;

[TestClass]
public sealed class TrainingLoopTests
{
    [TestMethod]
    public void MiniBatchTrainingWithTheSameSeedGivesBitwiseIdenticalWeights()
    {
        byte[] Train()
        {
            using var scope = NewDisposeScope();
            var (x, y) = TestData.Digits();
            var net = new MultilayerPerceptron(64, new[] { 16 }, 10).Build(seed: 5);
            using var dir = new AdamDirection();
            var result = new TrainingLoop(net, Losses.SoftmaxCrossEntropy, dir, new CdatTuner(sigma: 1, beta: 0.9),
                new TrainingOptions { BatchSize = 128, Epochs = 2, Seed = 9 }).Run(x, y);
            Assert.AreEqual(2 * 15, result.Steps.Count, "15 batches per epoch (last one partial)");
            Assert.AreEqual(2, result.Steps[^1].Epoch);
            Assert.AreEqual(1797 - 14 * 128, result.Steps[14].BatchRows);
            Assert.IsTrue(result.FinalLoss < result.Steps[0].Loss);
            return net.parameters().SelectMany(p => p.data<float>().ToArray()).SelectMany(BitConverter.GetBytes).ToArray();
        }
        CollectionAssert.AreEqual(Train(), Train());
    }

    [TestMethod]
    public void DroppingThePartialBatchKeepsEveryBatchFull()
    {
        using var scope = NewDisposeScope();
        var (x, y) = TestData.Digits();
        var net = new MultilayerPerceptron(64, Array.Empty<int>(), 10).Build(seed: 1);
        using var dir = new GradientDescentDirection();
        var result = new TrainingLoop(net, Losses.SoftmaxCrossEntropy, dir, new ConstantTuner(0.1),
            new TrainingOptions { BatchSize = 500, Epochs = 2, DropLastPartialBatch = true }).Run(x, y);
        Assert.AreEqual(6, result.Steps.Count);
        Assert.IsTrue(result.Steps.All(s => s.BatchRows == 500));
    }

    [TestMethod]
    public void ChunkedFullBatchFollowsTheSameTrajectoryAsOneGraph()
    {
        TrainingResult Train(long chunkRows)
        {
            using var scope = NewDisposeScope();
            var (x, y) = TestData.Digits(ScalarType.Float64);
            var net = new MultilayerPerceptron(64, new[] { 16 }, 10).Build(seed: 2, ScalarType.Float64);
            using var dir = new GradientDescentDirection();
            return new TrainingLoop(net, Losses.SoftmaxCrossEntropy, dir, new CdatTuner(sigma: 2, beta: 0),
                new TrainingOptions { MaxSteps = 10, ChunkRows = chunkRows, Optimizer = new() { SharpnessEvery = 5 } }).Run(x, y);
        }
        var whole = Train(8192);
        var chunked = Train(500);
        for (int i = 0; i < whole.Steps.Count; i++)
        {
            Assert.AreEqual(whole.Steps[i].Loss, chunked.Steps[i].Loss, 1e-9 * whole.Steps[i].Loss);
            Assert.AreEqual(whole.Steps[i].LearningRate, chunked.Steps[i].LearningRate, 1e-7 * whole.Steps[i].LearningRate);
        }
        Assert.AreEqual(whole.Steps[5].Sharpness!.Value, chunked.Steps[5].Sharpness!.Value, 1e-6 * whole.Steps[5].Sharpness!.Value);
    }

    [TestMethod]
    public void CancellationStopsBetweenStepsAndProgressSeesEveryStep()
    {
        using var scope = NewDisposeScope();
        var (x, y) = TestData.Digits();
        var net = new MultilayerPerceptron(64, new[] { 16 }, 10).Build(seed: 1);
        using var dir = new GradientDescentDirection();
        using var cts = new CancellationTokenSource();
        var seen = new List<StepRecord>();
        var progress = new StepCallback(r => { seen.Add(r); if (r.Step == 7) cts.Cancel(); });
        var result = new TrainingLoop(net, Losses.SoftmaxCrossEntropy, dir, new CdatTuner(sigma: 2, beta: 0), new TrainingOptions { MaxSteps = 100 })
            .Run(x, y, progress, cts.Token);
        Assert.AreEqual(StopReason.Cancelled, result.StopReason);
        Assert.AreEqual(7, result.Steps.Count);
        CollectionAssert.AreEqual(result.Steps.ToArray(), seen.ToArray());
    }

    [TestMethod]
    public void APersistentlyNonFiniteLossStopsAsDivergedWithoutNaNWeights()
    {
        using var scope = NewDisposeScope();
        var (x, y) = TestData.Digits();
        using (no_grad()) x[0, 0] = float.NaN;  // a NaN in the data poisons every full-batch loss
        var net = new MultilayerPerceptron(64, new[] { 8 }, 10).Build(seed: 1);
        using var dir = new GradientDescentDirection();
        var result = new TrainingLoop(net, Losses.SoftmaxCrossEntropy, dir, new CdatTuner(sigma: 2, beta: 0),
            new TrainingOptions { MaxSteps = 100, DivergencePatience = 3 }).Run(x, y);
        Assert.AreEqual(StopReason.Diverged, result.StopReason);
        Assert.AreEqual(3, result.Steps.Count);
        Assert.IsTrue(result.Steps.All(s => s.Flags.HasFlag(StepFlags.NonFinite) && s.LearningRate == 0));
        Assert.IsTrue(result.Steps[^1].Flags.HasFlag(StepFlags.Diverged));
        Assert.IsTrue(net.parameters().All(p => p.isfinite().all().item<bool>()));
    }

    [TestMethod]
    public void InvalidOptionsNameTheOption()
    {
        using var scope = NewDisposeScope();
        var net = new MultilayerPerceptron(2, new[] { 2 }, 1).Build(0);
        using var dir = new GradientDescentDirection();
        string Param(TrainingOptions o) => Assert.Throws<ArgumentException>(
            () => new TrainingLoop(net, Losses.SquaredError, dir, new ConstantTuner(0.1), o)).ParamName!;
        Assert.AreEqual("BatchSize", Param(new TrainingOptions { BatchSize = 0 }));
        Assert.AreEqual("Epochs", Param(new TrainingOptions { Epochs = 0 }));
        Assert.AreEqual("CurvatureEvery", Param(new TrainingOptions { Optimizer = new() { CurvatureEvery = 0 } }));
        Assert.AreEqual("WeightAverageDecay", Param(new TrainingOptions { WeightAverageDecay = 1 }));
        Assert.AreEqual("WeightAverageDecay", Param(new TrainingOptions { WeightAverageDecay = double.NaN }));
        Assert.AreEqual("name", Param(new TrainingOptions { Device = "tpu" }));
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => Devices.Resolve("tpu")).Message, "'tpu'");
    }

    [TestMethod]
    public void WeightAveragingEndsWithTheRampedExponentialAverageOfTheIterates()
    {
        using var scope = NewDisposeScope();
        var (x, y) = TestData.Digits(ScalarType.Float64);
        var net = new MultilayerPerceptron(64, new[] { 8 }, 10).Build(seed: 3, ScalarType.Float64);
        using var dir = new AdamDirection();
        const double decay = 0.8;
        var loop = new TrainingLoop(net, Losses.SoftmaxCrossEntropy, dir, new CdatTuner(sigma: 0.5, beta: 0.9),
            new TrainingOptions { BatchSize = 256, MaxSteps = 30, Seed = 4, WeightAverageDecay = decay });
        Assert.IsNull(loop.UseAveragedWeights(), "no average outside a run");

        // The iterates, as the progress callback sees them after each step; the average must not disturb them.
        double[]? expected = null;
        double[]? last = null;
        int updates = 0;
        double[] Weights() => net.parameters().SelectMany(p => p.data<double>().ToArray()).ToArray();
        var progress = new StepCallback(_ =>
        {
            last = Weights();
            double d = Math.Min(decay, (++updates - 1.0) / (updates + 8.0));
            expected = updates == 1 ? last.ToArray() : expected!.Zip(last, (a, w) => d * a + (1 - d) * w).ToArray();
            // Swapping the average in and out leaves the iterate as it was.
            using (var averaged = loop.UseAveragedWeights())
            {
                Assert.IsNotNull(averaged);
                Assert.IsTrue(expected.Zip(Weights()).All(p => Math.Abs(p.First - p.Second) < 1e-12), "the average in the network");
            }
            CollectionAssert.AreEqual(last, Weights());
        });
        var result = loop.Run(x, y, progress);

        Assert.IsTrue(result.AveragedWeights);
        var final = Weights();
        for (int i = 0; i < final.Length; i++) Assert.AreEqual(expected![i], final[i], 1e-12);
        Assert.IsTrue(final.Zip(last!).Any(p => Math.Abs(p.First - p.Second) > 1e-6), "the average differs from the last iterate");
        Assert.IsNull(loop.UseAveragedWeights());
    }

    [TestMethod]
    public void WithValidationTheAverageIsJudgedAndKept()
    {
        using var scope = NewDisposeScope();
        var (x, y) = TestData.Digits();
        var net = new MultilayerPerceptron(64, new[] { 16 }, 10).Build(seed: 1);
        using var dir = new AdamDirection();
        using var train = new Cdat.ML.Batches.TensorBatches(x.narrow(0, 0, 1400), y.narrow(0, 0, 1400), 128, seed: 2);
        using var validation = new Cdat.ML.Batches.TensorBatches(x.narrow(0, 1400, 397), y.narrow(0, 1400, 397));
        var result = new TrainingLoop(net, Losses.SoftmaxCrossEntropy, dir, new CdatTuner(sigma: 0.5, beta: 0.9),
            new TrainingOptions { Epochs = 6, WeightAverageDecay = 0.9 }).Run(train, validation);

        Assert.IsTrue(result.AveragedWeights);
        // The network ends with the weights whose validation loss was the best recorded.
        using var _ = no_grad();
        var loss = Losses.SoftmaxCrossEntropy.Compute(net.call(x.narrow(0, 1400, 397)), y.narrow(0, 1400, 397)).item<float>();
        Assert.AreEqual(result.BestValidationLoss!.Value, loss, 1e-5);
        Assert.AreEqual(result.Steps.Min(s => s.ValidationLoss ?? double.PositiveInfinity), result.BestValidationLoss.Value, 1e-12);
    }

    [TestMethod]
    public void AnExceptionInAProgressCallbackStopsTrainingAndReachesTheCaller()
    {
        using var scope = NewDisposeScope();
        var (x, y) = TestData.Digits();
        var net = new MultilayerPerceptron(64, new[] { 8 }, 10).Build(seed: 1);
        using var dir = new GradientDescentDirection();
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => new TrainingLoop(net, Losses.SoftmaxCrossEntropy, dir, new ConstantTuner(0.1),
            new TrainingOptions { MaxSteps = 3 }).Run(x, y, new StepCallback(r => throw new InvalidOperationException($"stop at {r.Step}"))));
        Assert.AreEqual("stop at 1", e.Message);
    }
}
