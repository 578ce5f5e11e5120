using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Directions;

[TestClass]
public sealed class ScheduleFreeAdamWDirectionTests
{
    [TestMethod]
    public void ItFollowsTheAuthorsReferenceImplementation()
    {
        const double lr = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8, decay = 0.01;
        const int warmup = 5, steps = 40;
        using var q = new Quadratic(new[] { 30.0, 12.0, 3.0, 0.7, 0.2 });
        using var scope = NewDisposeScope();
        // The reference written out in float64: y is where the gradient is taken, z the AdamW sequence, x the average.
        double initialLoss = q.Value();
        var y = q.Snapshot();
        var z = y.clone();
        var x = y.clone();
        var v = torch.zeros_like(y);
        double maxRate = -1, weightSum = 0;
        var ys = new List<Tensor>();
        for (int k = 0; k < steps; k++)
        {
            double sched = k < warmup ? (k + 1.0) / warmup : 1.0;
            double rate = lr * sched * Math.Sqrt(1 - Math.Pow(b2, k + 1));
            maxRate = Math.Max(rate, maxRate);
            double weight = maxRate * maxRate;
            weightSum += weight;
            double c = weight / weightSum;
            var g = q.A.mv(y);
            z = z - y.mul(rate * decay);
            v = v.mul(b2) + g.mul(g).mul(1 - b2);
            z = z - g.div(v.sqrt() + eps).mul(rate);
            x = x.mul(1 - c) + z.mul(c);
            y = x.mul(b1) + z.mul(1 - b1);
            ys.Add(y);
        }

        using var direction = new ScheduleFreeAdamWDirection(lr, b1, b2, eps, decay, warmup);
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, direction, new ConstantTuner(1.0));
        for (int k = 0; k < steps; k++)
        {
            opt.Step(q.Loss);
            Assert.IsTrue(q.W.allclose(ys[k], rtol: 1e-9, atol: 1e-12), $"y after step {k + 1}");
        }
        Assert.IsTrue(direction.EvaluationWeights![0].allclose(x, rtol: 1e-9, atol: 1e-12), "the average x");
        Assert.IsLessThan(0.5 * initialLoss, q.ValueAt(x), "the average has descended");
    }

    [TestMethod]
    public void TheLoopValidatesAndEndsWithTheAverage()
    {
        using var scope = NewDisposeScope();
        var (x, y) = TestData.Digits(ScalarType.Float64);
        var net = new MultilayerPerceptron(64, new[] { 8 }, 10).Build(seed: 3, ScalarType.Float64);
        using var direction = new ScheduleFreeAdamWDirection(learningRate: 0.01);
        var loop = new TrainingLoop(net, Losses.SoftmaxCrossEntropy, direction, new ConstantTuner(1.0),
            new TrainingOptions { BatchSize = 256, MaxSteps = 20, Seed = 4 });
        double[] Weights() => net.parameters().SelectMany(p => p.data<double>().ToArray()).ToArray();
        double[]? lastIterate = null;
        var result = loop.Run(x, y, new StepCallback(_ =>
        {
            lastIterate = Weights();
            using var averaged = loop.UseAveragedWeights();
            Assert.IsNotNull(averaged, "the direction's average can be swapped in");
        }));

        Assert.IsTrue(result.AveragedWeights);
        var final = Weights();
        var average = direction.EvaluationWeights!.SelectMany(t => t.data<double>().ToArray()).ToArray();
        CollectionAssert.AreEqual(average, final, "the network ends with x");
        Assert.IsTrue(final.Zip(lastIterate!).Any(p => Math.Abs(p.First - p.Second) > 1e-6), "x differs from the last y");
    }

    [TestMethod]
    public void InFullBatchTheResultGivesTheLossOfTheAverage()
    {
        using var scope = NewDisposeScope();
        var (x, y) = TestData.Digits(ScalarType.Float64);
        var net = new MultilayerPerceptron(64, new[] { 8 }, 10).Build(seed: 3, ScalarType.Float64);
        using var direction = new ScheduleFreeAdamWDirection(learningRate: 0.01);
        var result = new TrainingLoop(net, Losses.SoftmaxCrossEntropy, direction, new ConstantTuner(1.0), new TrainingOptions { MaxSteps = 15 }).Run(x, y);
        using var _ = no_grad();
        double atAverage = Losses.SoftmaxCrossEntropy.Compute(net.call(x), y).item<double>();
        Assert.AreEqual(atAverage, result.AveragedLoss!.Value, 1e-12);
        Assert.AreNotEqual(result.FinalLoss, result.AveragedLoss.Value, "the step losses are the iterates'");
    }

    [TestMethod]
    public void AnEmaOnTopOfItsOwnAverageIsRefusedByName()
    {
        using var scope = NewDisposeScope();
        var (x, y) = TestData.Digits();
        var net = new MultilayerPerceptron(64, new[] { 8 }, 10).Build(seed: 1);
        using var direction = new ScheduleFreeAdamWDirection();
        var loop = new TrainingLoop(net, Losses.SoftmaxCrossEntropy, direction, new ConstantTuner(1.0),
            new TrainingOptions { MaxSteps = 2, WeightAverageDecay = 0.9 });
        Assert.AreEqual("WeightAverageDecay", Assert.ThrowsExactly<ArgumentException>(() => loop.Run(x, y)).ParamName);
    }

    [TestMethod]
    public void WithoutTheWeightsItSaysHowToUseIt()
    {
        using var direction = new ScheduleFreeAdamWDirection();
        using var g = torch.ones(3);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => direction.Compute(new[] { g })).Message, "Bind");
    }
}
