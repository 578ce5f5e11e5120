using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Objectives;
using Cdat.ML.Training;
using Cdat.ML.Training.Steps;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Training.Steps;

/// <summary>The mini-batch noise estimate, against Σ computed by hand on a linear least-squares model.</summary>
[TestClass]
public sealed class GradientNoiseTests
{
    private const int Rows = 2048, Features = 3;

    /// <summary>A population of rows, a linear model with fixed weights away from the optimum, and its loss ½(xᵀw + b − y)².</summary>
    private sealed class LinearPopulation : IDisposable
    {
        public readonly double[,] X = new double[Rows, Features];
        public readonly double[] Y = new double[Rows];
        public readonly double[] W = { 0.8, -1.5, 0.2 };
        public const double B = 0.3;
        public readonly nn.Module<Tensor, Tensor> Model;

        public LinearPopulation()
        {
            var random = new Random(11);
            double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            double[] truth = { 1.0, -1.0, 0.5 };
            for (int i = 0; i < Rows; i++)
            {
                double y = 0;
                for (int j = 0; j < Features; j++) y += truth[j] * (X[i, j] = Normal());
                Y[i] = y + 0.5 * Normal();
            }
            var linear = nn.Linear(Features, 1, dtype: ScalarType.Float64);
            using (no_grad())
            {
                linear.weight!.copy_(torch.tensor(W, dtype: ScalarType.Float64).reshape(1, Features));
                linear.bias!.fill_(B);
            }
            Model = linear;
        }

        /// <summary>Row i's gradient in (w, b), by hand: r·(x, 1) with r the residual.</summary>
        public double[] RowGradient(int i)
        {
            double r = B - Y[i];
            for (int j = 0; j < Features; j++) r += W[j] * X[i, j];
            var g = new double[Features + 1];
            for (int j = 0; j < Features; j++) g[j] = r * X[i, j];
            g[Features] = r;
            return g;
        }

        public SupervisedObjective Batch(IReadOnlyList<int> rows)
        {
            var x = new double[rows.Count * Features];
            var y = new double[rows.Count];
            for (int k = 0; k < rows.Count; k++)
            {
                for (int j = 0; j < Features; j++) x[k * Features + j] = X[rows[k], j];
                y[k] = Y[rows[k]];
            }
            return new SupervisedObjective(Model, Losses.SquaredError, torch.tensor(x, dtype: ScalarType.Float64).reshape(rows.Count, Features),
                                           torch.tensor(y, dtype: ScalarType.Float64).reshape(rows.Count, 1));
        }

        public Tensor[] Parameters => Model.parameters().ToArray();

        public void Dispose() => Model.Dispose();
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();

    [TestMethod]
    public void OnTwoEqualHalvesTheSignalLeftIsTheHalvesInnerProduct()
    {
        // ‖g‖² − ‖g_A − g_B‖²/4 = g_Aᵀg_B when g = (g_A + g_B)/2: the corrected numerator of gradient descent.
        using var scope = NewDisposeScope();
        using var population = new LinearPopulation();
        int[] rows = Enumerable.Range(100, 16).ToArray();
        double[] Mean(IEnumerable<int> r) => Enumerable.Range(0, Features + 1).Select(j => r.Average(i => population.RowGradient(i)[j])).ToArray();
        double[] gA = Mean(rows[..8]), gB = Mean(rows[8..]), g = Mean(rows);

        var parameters = population.Parameters;
        var objective = population.Batch(rows);
        var (_, gradient, _) = GradientPass.Compute(objective, parameters, keepGraph: false);
        using var descent = new GradientDescentDirection();
        descent.Compute(gradient);
        var (noise, decrease) = GradientNoise.Estimate(objective, parameters, gradient, descent.CurrentGradientShare);
        Assert.AreEqual(Dot(g, g), ParameterVectors.Dot(gradient, gradient), 1e-12 * Dot(g, g), "the autograd gradient is the hand one");
        Assert.AreEqual(Dot(gA, gB), Dot(g, g) - noise, 1e-10 * Dot(g, g));
        Assert.AreEqual(noise, decrease!.Value, 1e-15 * noise, "gradient descent's share of the gradient is all of it");
        // Nesterov's u = −(g + μ(μm + g)) carries (1 + μ)·g: its noise along u is (1 + μ) times the gradient's.
        using var nesterov = new MomentumDirection(0.9, nesterov: true);
        nesterov.Compute(gradient);
        Assert.AreEqual(1.9 * noise, GradientNoise.Estimate(objective, parameters, gradient, nesterov.CurrentGradientShare).Decrease!.Value, 1e-12 * noise);
    }

    [TestMethod]
    public void OverManyBatchesItEstimatesTheTraceOfSigmaOverTheBatchSize()
    {
        using var scope = NewDisposeScope();
        using var population = new LinearPopulation();
        // The population's mean gradient and per-row covariance, by hand.
        var rowGradients = Enumerable.Range(0, Rows).Select(population.RowGradient).ToArray();
        double[] mean = Enumerable.Range(0, Features + 1).Select(j => rowGradients.Average(g => g[j])).ToArray();
        double signal = Dot(mean, mean);
        double traceSigma = rowGradients.Average(g => g.Zip(mean, (a, m) => (a - m) * (a - m)).Sum());

        const int batch = 8, draws = 600;
        // Rows drawn without replacement from a finite population: the mean's variance is tr Σ/|B|·(N − |B|)/(N − 1).
        double noiseInMean = traceSigma / batch * (Rows - batch) / (Rows - 1.0);
        var random = new Random(5);
        var parameters = population.Parameters;
        var squared = new List<double>();
        var estimates = new List<double>();
        for (int d = 0; d < draws; d++)
        {
            using var step = NewDisposeScope();
            int[] rows = Enumerable.Range(0, Rows).OrderBy(_ => random.Next()).Take(batch).ToArray();
            var objective = population.Batch(rows);
            var (_, gradient, _) = GradientPass.Compute(objective, parameters, keepGraph: false);
            squared.Add(ParameterVectors.Dot(gradient, gradient));
            estimates.Add(GradientNoise.Estimate(objective, parameters, gradient).Gradient);
        }
        static double StandardError(List<double> v) { double m = v.Average(); return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Count - 1) / v.Count); }
        var corrected = squared.Zip(estimates, (s, e) => s - e).ToList();
        TestContext.WriteLine($"‖∇f‖² {signal:F4}, tr Σ/|B| {noiseInMean:F4}; mean ‖g‖² {squared.Average():F4} ± {StandardError(squared):F4}, "
                              + $"mean estimate {estimates.Average():F4} ± {StandardError(estimates):F4}, mean corrected {corrected.Average():F4} ± {StandardError(corrected):F4}");
        // The noise is a large share of ‖g‖² here, so the test tells the two apart.
        Assert.IsTrue(noiseInMean > 0.5 * signal, $"noise {noiseInMean} against signal {signal}");
        // Expectations within four standard errors of 600 fixed draws (seeded: the verdict does not vary between runs).
        Assert.AreEqual(signal + noiseInMean, squared.Average(), 4 * StandardError(squared), "the same-batch ‖g‖² over-estimates ‖∇f‖² by tr Σ/|B|");
        Assert.AreEqual(noiseInMean, estimates.Average(), 4 * StandardError(estimates));
        Assert.AreEqual(signal, corrected.Average(), 4 * StandardError(corrected));
    }

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void TheOptimizerMeasuresItOnlyInMiniBatchAndOnlyWhenAsked()
    {
        using var scope = NewDisposeScope();
        using var population = new LinearPopulation();
        var objective = population.Batch(Enumerable.Range(0, 64).ToArray());
        using var direction = new GradientDescentDirection();
        using var corrected = new CurvatureAwareOptimizer(population.Parameters, direction, new CdatTuner(sigma: 1, beta: 0, noiseCorrected: true));
        var miniBatch = corrected.Step(objective, stepsPerEpoch: 10);
        Assert.IsTrue(miniBatch.GradientNoise > 0, $"{miniBatch.GradientNoise}");
        // Gradient descent with σ = 1 and no EMA: the step is (‖g‖² − tr Σ/|B|)/gᵀHg, below the same-batch greedy step.
        Assert.AreEqual((miniBatch.Decrease - miniBatch.GradientNoise!.Value) / miniBatch.Curvature!.Value, miniBatch.LearningRate, 1e-9 * miniBatch.LearningRate);
        Assert.AreEqual(0.0, corrected.Step(objective, stepsPerEpoch: 1).GradientNoise, "full batch: the gradient is exact");
        using var plainDirection = new GradientDescentDirection();
        using var plain = new CurvatureAwareOptimizer(population.Parameters, plainDirection, new CdatTuner(sigma: 1, beta: 0));
        Assert.IsNull(plain.Step(objective, stepsPerEpoch: 10).GradientNoise, "not measured unless the tuner asks");
    }

    [TestMethod]
    public void TheDirectionsShareOfTheCurrentGradientIsTheChangeInUPerChangeInG()
    {
        // Two directions with the same history, then different last gradients: for the directions linear in g,
        // u₁ − u₂ = −S·(g₁ − g₂) exactly.
        using var scope = NewDisposeScope();
        var history = Enumerable.Range(0, 3).Select(k => new[] { torch.tensor(new[] { 0.3 * k, -1.0, 2.0 }, dtype: ScalarType.Float64) }).ToArray();
        var g1 = new[] { torch.tensor(new[] { 1.0, 0.5, -2.0 }, dtype: ScalarType.Float64) };
        var g2 = new[] { torch.tensor(new[] { -0.5, 1.5, 0.25 }, dtype: ScalarType.Float64) };
        foreach (var make in new Func<IDirection>[] { () => new GradientDescentDirection(), () => new MomentumDirection(0.9), () => new MomentumDirection(0.5, nesterov: true) })
        {
            using IDirection a = make(), b = make();
            foreach (var g in history) { a.Compute(g); b.Compute(g); }
            var u1 = a.Compute(g1);
            var u2 = b.Compute(g2);
            var share = a.CurrentGradientShare(new[] { g1[0] - g2[0] })!;
            var expected = -(u1[0] - u2[0]);
            Assert.IsTrue(torch.allclose(share[0], expected, rtol: 1e-12, atol: 1e-12), $"{a.Name}: {share[0].str()} against {expected.str()}");
        }
        // Adam and RMSProp, by hand: S = (1 − β1)/(1 − β1ᵗ)/(√v̂ + ε) and 1/√(ν + ε), with the second moments as they are.
        using var adam = new AdamDirection(beta1: 0.8, beta2: 0.9);
        using var rms = new RmsPropDirection(decay: 0.7);
        double[] v = new double[3], nu = new double[3];
        int t = 0;
        foreach (var g in history.Append(g1))
        {
            adam.Compute(g);
            rms.Compute(g);
            t++;
            var values = g[0].data<double>().ToArray();
            for (int j = 0; j < 3; j++) { v[j] = 0.9 * v[j] + 0.1 * values[j] * values[j]; nu[j] = 0.7 * nu[j] + 0.3 * values[j] * values[j]; }
        }
        var probe = new[] { torch.tensor(new[] { 1.0, -2.0, 3.0 }, dtype: ScalarType.Float64) };
        var adamShare = adam.CurrentGradientShare(probe)![0].data<double>().ToArray();
        var rmsShare = rms.CurrentGradientShare(probe)![0].data<double>().ToArray();
        double[] p = { 1.0, -2.0, 3.0 };
        for (int j = 0; j < 3; j++)
        {
            double adamExpected = (1 - 0.8) / (1 - Math.Pow(0.8, t)) * p[j] / (Math.Sqrt(v[j] / (1 - Math.Pow(0.9, t))) + 1e-8);
            double rmsExpected = p[j] / Math.Sqrt(nu[j] + 1e-8);
            Assert.AreEqual(adamExpected, adamShare[j], 1e-12 * Math.Abs(adamExpected));
            Assert.AreEqual(rmsExpected, rmsShare[j], 1e-12 * Math.Abs(rmsExpected));
        }
        using var fresh = new AdamDirection();
        Assert.IsNull(fresh.CurrentGradientShare(probe), "no direction computed yet");
    }
}
