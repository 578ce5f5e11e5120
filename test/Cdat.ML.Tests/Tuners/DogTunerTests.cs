using Cdat.ML.Directions;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Tuners;

[TestClass]
public sealed class DogTunerTests
{
    [TestMethod]
    public void WithGradientDescentItIsDoGAsThePaperWritesIt()
    {
        // The formula by hand, in float64: lr_t = r̄_t / sqrt(Σ‖g_i‖² + ε), r̄_t = max(r_ε, max_i ‖w_i − w_0‖), w ← w − lr_t·g_t.
        using var q = new Quadratic(new[] { 30.0, 12.0, 3.0, 0.7, 0.2 });
        using var scope = NewDisposeScope();
        var w0 = q.Snapshot();
        var w = w0.clone();
        double rbar = 1e-3 * (1 + w0.norm().item<double>()), sum = 0;
        var expected = new List<double>();
        for (int t = 0; t < 40; t++)
        {
            var g = q.A.mv(w);
            rbar = Math.Max(rbar, (w - w0).norm().item<double>());
            sum += g.dot(g).item<double>();
            double lr = rbar / Math.Sqrt(sum + 1e-8);
            expected.Add(lr);
            w = w - g.mul(lr);
        }

        var tuner = new DogTuner(relativeInitialDistance: 1e-3);
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, new GradientDescentDirection(), tuner);
        var rates = Enumerable.Range(0, 40).Select(_ => opt.Step(q.Loss).LearningRate).ToArray();
        for (int t = 0; t < rates.Length; t++) Assert.AreEqual(expected[t], rates[t], 1e-9 * expected[t], $"step {t + 1}");
        Assert.IsTrue(q.W.allclose(w, rtol: 1e-9, atol: 1e-12), "same iterates");
        // From r_ε it finds the problem's scale by itself: 3.8e-4 at step 1, 1.8e-2 at step 40, within the stable range 2/λmax.
        Assert.IsTrue(rates[^1] > 0.1 * 2 / 30.0 && rates[^1] < 2 / 30.0, $"last rate {rates[^1]:E3}");
    }

    [TestMethod]
    public void ItNeedsAContextThatTracksTheStart()
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => new DogTuner().Propose(new FakeStepContext()));
        StringAssert.Contains(e.Message, "starting point");
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(double.NaN)]
    public void ABadInitialDistanceIsRefusedByName(double value)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DogTuner(relativeInitialDistance: value));
        Assert.AreEqual("relativeInitialDistance", e.ParamName);
    }
}
