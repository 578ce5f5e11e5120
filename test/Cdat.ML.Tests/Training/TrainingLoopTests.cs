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
            return new TrainingLoop(net, Losses.SoftmaxCrossEntropy, dir, new CdatTuner(),
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
        var progress = new SynchronousProgress(r => { seen.Add(r); if (r.Step == 7) cts.Cancel(); });
        var result = new TrainingLoop(net, Losses.SoftmaxCrossEntropy, dir, new CdatTuner(), new TrainingOptions { MaxSteps = 100 })
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
        var result = new TrainingLoop(net, Losses.SoftmaxCrossEntropy, dir, new CdatTuner(),
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
        Assert.AreEqual("name", Param(new TrainingOptions { Device = "tpu" }));
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => Devices.Resolve("tpu")).Message, "'tpu'");
    }

    private sealed class SynchronousProgress(Action<StepRecord> report) : IProgress<StepRecord>
    {
        public void Report(StepRecord value) => report(value);
    }
}
