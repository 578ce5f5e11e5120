using Cdat.ML.Networks;
using Cdat.ML.Objectives;
using Cdat.ML.Training.Steps;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Networks;

/// <summary>The managed derivatives of the trainer's perceptron against TorchSharp's autograd in float64.</summary>
[TestClass]
public sealed class MlpDerivativesTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>Float32 arithmetic against a float64 reference: measured at most 5e-7 (see the log).</summary>
    private const double Tolerance = 1e-5;

    public static IEnumerable<object[]> Cases() =>
        from activation in new[] { Activation.Tanh, Activation.Relu, Activation.Gelu }
        from loss in new[] { "squared", "squared3", "logistic", "softmax" }
        from weighted in new[] { false, true }
        select new object[] { activation, loss, weighted };

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void LossGradientAndCurvatureEqualAutograd(Activation activation, string loss, bool weighted)
    {
        // Dense rows of 6 features, and one-hot rows of 40 (3 numbers and a category of 37), which the first layer reads sparse
        // (70 hidden units: the 64-wide register blocks and a tail); 301 rows are computed in two halves of 150 and 151.
        foreach (var (hidden, inputs, rows) in new[] { (new[] { 7, 5 }, 6, 37), (Array.Empty<int>(), 6, 37), (new[] { 12 }, 40, 37), (new[] { 70 }, 40, 37),
                                                       (Array.Empty<int>(), 40, 37), (new[] { 7, 5 }, 6, 301), (new[] { 70 }, 40, 301) })
        {
            using var scope = NewDisposeScope();
            int outputs = loss switch { "squared3" => 3, "softmax" => 4, _ => 1 };
            var generator = new Generator(11);
            var x = inputs < 40 ? torch.randn(new long[] { rows, inputs }, generator: generator)
                : torch.cat(new[] { torch.randn(new long[] { rows, 3 }, generator: generator),
                                    nn.functional.one_hot(torch.randint(0, 37, new long[] { rows }, generator: generator), 37).to(ScalarType.Float32) }, 1);
            Tensor y = loss switch
            {
                "softmax" => torch.randint(0, outputs, new long[] { rows }, generator: generator),
                "logistic" => torch.randint(0, 2, new long[] { rows }, generator: generator).to(ScalarType.Float32),
                _ => torch.randn(new long[] { rows, outputs }, generator: generator),
            };
            ILoss baseLoss = loss switch { "softmax" => Losses.SoftmaxCrossEntropy, "logistic" => Losses.BinaryLogistic, _ => Losses.SquaredError };
            ILoss used = baseLoss;
            if (weighted)
            {
                if (outputs != 1 && loss != "softmax") continue;  // packed targets carry one target per row
                var w = torch.rand(new long[] { rows }, generator: generator) * 2;
                y = WeightedLoss.Pack(y, w, ScalarType.Float32);
                used = new WeightedLoss((IExampleLoss)baseLoss);
            }
            var spec = new MultilayerPerceptron(inputs, hidden, outputs, activation);
            var network = spec.Build(seed: 3);
            var reference = spec.Build(seed: 3, ScalarType.Float64);
            var parameters = network.parameters().Select(p => (Tensor)p).ToArray();
            var parameters64 = reference.parameters().Select(p => (Tensor)p).ToArray();
            double decay = hidden.Length == 0 ? 0 : 1e-3;
            var objective = new SupervisedObjective(network, used, x, y, weightDecay: decay);
            var objective64 = new SupervisedObjective(reference, used, x.to(ScalarType.Float64), y.dtype == ScalarType.Float32 ? y.to(ScalarType.Float64) : y, weightDecay: decay);

            var analytic = objective.Analytic(parameters);
            Assert.IsNotNull(analytic, "the trainer's perceptron on the CPU takes the managed path");
            var (value, gradient) = analytic.LossAndGradient();
            var (value64, gradient64, hessian) = GradientPass.Compute(objective64, parameters64, keepGraph: true);
            var u = parameters.Select(p => torch.randn(p.shape, generator: generator)).ToArray();
            double curvature = analytic.Quadratic(u);
            double curvature64 = hessian!.Quadratic(u.Select(t => t.to(ScalarType.Float64)).ToArray());

            double gradientError = Math.Sqrt(gradient.Zip(gradient64, (a, b) => (a.to(ScalarType.Float64) - b).square().sum().item<double>()).Sum())
                                   / Math.Sqrt(gradient64.Sum(g => g.square().sum().item<double>()));
            double lossError = Math.Abs(value - value64) / Math.Abs(value64);
            // uᵀHu can cancel to near 0 from terms of order 1 (0.026 in one case here), so its error is judged against at least 0.1.
            double curvatureError = Math.Abs(curvature - curvature64) / Math.Max(Math.Abs(curvature64), 0.1);
            TestContext.WriteLine($"{activation} {loss} weighted {weighted} {rows} rows of {inputs} inputs, hidden [{string.Join(",", hidden)}]: loss {lossError:G2}, gradient {gradientError:G2}, uᵀHu {curvatureError:G2} ({curvature64:G4})");
            Assert.IsTrue(lossError <= Tolerance && gradientError <= Tolerance && curvatureError <= Tolerance,
                $"relative errors: loss {lossError:G3}, gradient {gradientError:G3}, uᵀHu {curvatureError:G3}");
        }
    }

    [TestMethod]
    [DataRow("squared")]
    [DataRow("logistic")]
    [DataRow("softmax")]
    public void ABatchInTwoHalvesGivesTheWholeBatchsDerivativesTheSameWayEveryTime(string loss)
    {
        using var scope = NewDisposeScope();
        const int rows = 257;
        var generator = new Generator(5);
        var x = torch.randn(new long[] { rows, 9 }, generator: generator);
        Tensor y = loss switch
        {
            "softmax" => torch.randint(0, 3, new long[] { rows }, generator: generator),
            "logistic" => torch.randint(0, 2, new long[] { rows }, generator: generator).to(ScalarType.Float32),
            _ => torch.randn(new long[] { rows, 1 }, generator: generator),
        };
        ILoss inner = loss switch { "softmax" => Losses.SoftmaxCrossEntropy, "logistic" => Losses.BinaryLogistic, _ => Losses.SquaredError };
        // Weighted rows: each half must divide by the whole batch's rows, and the penalty must count once.
        var packed = WeightedLoss.Pack(y, torch.rand(new long[] { rows }, generator: generator) * 2, ScalarType.Float32);
        var network = new MultilayerPerceptron(9, new[] { 16 }, loss == "softmax" ? 3 : 1).Build(seed: 2);
        var parameters = network.parameters().Select(p => (Tensor)p).ToArray();
        var u = parameters.Select(p => torch.randn(p.shape, generator: generator)).ToArray();
        (double Loss, float[] Gradient, double Curvature) Derivatives(bool split)
        {
            bool before = AnalyticMlp.Split;
            AnalyticMlp.Split = split;
            try
            {
                var analytic = new SupervisedObjective(network, new WeightedLoss((IExampleLoss)inner), x, packed, weightDecay: 1e-2).Analytic(parameters)!;
                var (value, gradient) = analytic.LossAndGradient();
                return (value, gradient.SelectMany(g => g.data<float>().ToArray()).ToArray(), analytic.Quadratic(u));
            }
            finally
            {
                AnalyticMlp.Split = before;
            }
        }
        Assert.AreEqual(2, AnalyticMlp.PartsFor(rows));
        var whole = Derivatives(split: false);
        var halves = Derivatives(split: true);
        var again = Derivatives(split: true);
        double gradientError = Math.Sqrt(whole.Gradient.Zip(halves.Gradient, (a, b) => (double)(a - b) * (a - b)).Sum() / whole.Gradient.Sum(a => (double)a * a));
        TestContext.WriteLine($"{loss}: loss {Math.Abs(halves.Loss - whole.Loss) / whole.Loss:G2}, gradient {gradientError:G2}, uᵀHu {Math.Abs(halves.Curvature - whole.Curvature) / Math.Abs(whole.Curvature):G2}");
        // Only the order of float32 sums differs: measured at most 3e-7 relative.
        Assert.AreEqual(whole.Loss, halves.Loss, 1e-6 * whole.Loss);
        Assert.IsTrue(gradientError < 1e-5, $"the gradient differs by {gradientError:G3}");
        Assert.AreEqual(whole.Curvature, halves.Curvature, 1e-5 * Math.Abs(whole.Curvature));
        // The halves are added in one order whichever thread finishes first.
        Assert.AreEqual(halves.Loss, again.Loss);
        Assert.AreEqual(halves.Curvature, again.Curvature);
        CollectionAssert.AreEqual(halves.Gradient, again.Gradient);
    }

    [TestMethod]
    public void ANetworkConvertedAwayAndBackTakesTheManagedPathAgain()
    {
        using var scope = NewDisposeScope();
        var x = torch.randn(10, 4);
        var y = torch.randn(10, 1);
        var mlp = new MultilayerPerceptron(4, new[] { 3 }, 1).Build(seed: 1);
        Tensor[] Own() => mlp.parameters().Select(p => (Tensor)p).ToArray();
        Assert.IsNotNull(new SupervisedObjective(mlp, Losses.SquaredError, x, y).Analytic(Own()));
        mlp.to(ScalarType.Float64);
        Assert.IsNull(new SupervisedObjective(mlp, Losses.SquaredError, x.to(ScalarType.Float64), y.to(ScalarType.Float64)).Analytic(Own()));
        mlp.to(ScalarType.Float32);
        var again = new SupervisedObjective(mlp, Losses.SquaredError, x, y).Analytic(Own());
        Assert.IsNotNull(again, "the parameters are read from the layers as they are now");
        Assert.IsTrue(double.IsFinite(again.LossAndGradient().Loss));
    }

    [TestMethod]
    public void OtherNetworksAndFloat64KeepAutograd()
    {
        using var scope = NewDisposeScope();
        var x = torch.randn(10, 4);
        var y = torch.randn(10, 1);
        var float64 = new MultilayerPerceptron(4, new[] { 3 }, 1).Build(seed: 1, ScalarType.Float64);
        Assert.IsNull(new SupervisedObjective(float64, Losses.SquaredError, x.to(ScalarType.Float64), y.to(ScalarType.Float64)).Analytic(float64.parameters().Select(p => (Tensor)p).ToArray()));
        var other = nn.Sequential(("fc0", nn.Linear(4, 3)), ("act0", nn.Sigmoid()), ("fc1", nn.Linear(3, 1)));
        Assert.IsNull(new SupervisedObjective(other, Losses.SquaredError, x, y).Analytic(other.parameters().Select(p => (Tensor)p).ToArray()));
        var mlp = new MultilayerPerceptron(4, new[] { 3 }, 1).Build(seed: 1);
        var some = mlp.parameters().Select(p => (Tensor)p).Take(2).ToArray();
        Assert.IsNull(new SupervisedObjective(mlp, Losses.SquaredError, x, y).Analytic(some), "parameters other than the network's own");
    }

    [TestMethod]
    public void NetworksAndBatchesUpToTheMeasuredSizesTakeTheManagedPathAndLargerOnesAutograd()
    {
        using var scope = NewDisposeScope();
        bool Managed(int rows, int features, int hidden)
        {
            using var inner = NewDisposeScope();
            var mlp = new MultilayerPerceptron(features, new[] { hidden }, 1).Build(seed: 1);
            var objective = new SupervisedObjective(mlp, Losses.SquaredError, torch.zeros(rows, features), torch.zeros(rows, 1));
            return objective.Analytic(mlp.parameters().Select(p => (Tensor)p).ToArray()) is not null;
        }
        // The largest cells of the crossover sweep: managed in 0.59× (64 units) and 0.83× (256 units) autograd's time.
        Assert.IsTrue(Managed(4096, 784, 64));
        Assert.IsTrue(Managed(4096, 784, 256));
        Assert.IsTrue(Managed(1, 16, 64));
        // Beyond them: more rows than measured, or a network of more multiply-adds a row (784 × 512), unless the whole batch
        // is within the first rule's 4 million multiply-adds.
        Assert.IsFalse(Managed((int)AnalyticMlp.MaxRows + 1, 16, 64));
        Assert.IsTrue(Managed(10_000, 4, 8), "10,000 rows × 40 multiply-adds");
        Assert.IsFalse(Managed(256, 784, 512), "a wider network than measured keeps autograd");
    }
}
