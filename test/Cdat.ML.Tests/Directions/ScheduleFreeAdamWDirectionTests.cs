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
        // The reference written out in plain float64 arrays: y is where the gradient is taken, z the AdamW sequence, x the average.
        double initialLoss = q.Value();
        int n = q.Eigenvalues.Length;
        var a = q.A.data<double>().ToArray();
        var y = q.Snapshot().data<double>().ToArray();
        var z = y.ToArray();
        var x = y.ToArray();
        var v = new double[n];
        double maxRate = -1, weightSum = 0;
        var ys = new List<double[]>();
        for (int k = 0; k < steps; k++)
        {
            double sched = k < warmup ? (k + 1.0) / warmup : 1.0;
            double rate = lr * sched * Math.Sqrt(1 - Math.Pow(b2, k + 1));
            maxRate = Math.Max(rate, maxRate);
            double weight = maxRate * maxRate;
            weightSum += weight;
            double c = weight / weightSum;
            var g = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Sum(j => a[i * n + j] * y[j])).ToArray();
            for (int i = 0; i < n; i++)
            {
                z[i] -= rate * decay * y[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                z[i] -= rate * g[i] / (Math.Sqrt(v[i]) + eps);
                x[i] = (1 - c) * x[i] + c * z[i];
            }
            y = Enumerable.Range(0, n).Select(i => b1 * x[i] + (1 - b1) * z[i]).ToArray();
            ys.Add(y);
        }
        static bool Close(double[] expected, Tensor actual) =>
            expected.Zip(actual.data<double>().ToArray()).All(p => Math.Abs(p.First - p.Second) <= 1e-12 + 1e-9 * Math.Abs(p.First));

        using var direction = new ScheduleFreeAdamWDirection(lr, b1, b2, eps, decay, warmup);
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, direction, new ConstantTuner(1.0));
        for (int k = 0; k < steps; k++)
        {
            opt.Step(q.Loss);
            Assert.IsTrue(Close(ys[k], q.W), $"y after step {k + 1}");
        }
        Assert.IsTrue(Close(x, direction.EvaluationWeights![0]), "the average x");
        Assert.IsLessThan(0.5 * initialLoss, q.ValueAt(direction.EvaluationWeights[0]), "the average has descended");
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
        double[] Average() => direction.EvaluationWeights!.SelectMany(t => t.data<double>().ToArray()).ToArray();
        var result = loop.Run(x, y, new StepCallback(_ =>
        {
            lastIterate = Weights();
            using (var averaged = loop.UseAveragedWeights())
            {
                Assert.IsNotNull(averaged, "the direction's average can be swapped in");
                CollectionAssert.AreEqual(Average(), Weights(), "x in the network while swapped in");
            }
            CollectionAssert.AreEqual(lastIterate, Weights(), "y back after the swap");
        }));

        Assert.IsTrue(result.AveragedWeights);
        var final = Weights();
        CollectionAssert.AreEqual(Average(), final, "the network ends with x");
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
    public void AResetMidRunRestartsFromTheCurrentWeights()
    {
        using var q = new Quadratic(new[] { 4.0, 2.0, 1.0, 0.5, 0.1 });
        using var direction = new ScheduleFreeAdamWDirection(learningRate: 0.05);
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, direction, new ConstantTuner(1.0));
        for (int k = 0; k < 5; k++) opt.Step(q.Loss);
        direction.Reset();
        Assert.IsNull(direction.EvaluationWeights, "no average until the next step");
        using var before = q.Snapshot();
        using var u = direction.Compute(new[] { q.A.mv(q.W.detach()) })[0];
        // A first step from x = z = w (c = 1, so y = z): z moves by −γ·g/(√((1 − β2)·g²) + ε) with γ = η·√(1 − β2),
        // i.e. by −η·sign(g).
        using var minusEta = Scalars.Of(-0.05);
        using var expected = q.A.mv(before).sign().mul(minusEta);
        Assert.IsTrue(u.allclose(expected, rtol: 1e-4, atol: 1e-12), "a fresh start from the current weights (ε moves it by < 1e-4 here)");
        Assert.IsTrue(direction.EvaluationWeights![0].allclose(before.add(u, Scalars.One)), "x after one step is y's next point");
    }

    [TestMethod]
    public void WithoutTheWeightsItSaysHowToUseIt()
    {
        using var direction = new ScheduleFreeAdamWDirection();
        using var g = torch.ones(3);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => direction.Compute(new[] { g })).Message, "Bind");
    }
}
