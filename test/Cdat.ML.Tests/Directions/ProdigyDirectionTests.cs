using Cdat.ML.Directions;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Directions;

[TestClass]
public sealed class ProdigyDirectionTests
{
    [TestMethod]
    public void ItFollowsAlgorithm3OfThePaperAndGrowsItsDistanceEstimate()
    {
        const double lr = 1.0, b1 = 0.9, b2 = 0.999, eps = 1e-8, d0 = 1e-6;
        using var q = new Quadratic(new[] { 30.0, 12.0, 3.0, 0.7, 0.2 });
        using var scope = NewDisposeScope();
        var x0 = q.Snapshot();
        var x = x0.clone();
        var m = torch.zeros_like(x); var v = torch.zeros_like(x); var s = torch.zeros_like(x);
        double r = 0, d = d0, root = Math.Sqrt(b2);
        var ds = new List<double>();
        for (int k = 0; k < 60; k++)
        {
            var g = q.A.mv(x);
            m = m.mul(b1) + g.mul((1 - b1) * d);
            v = v.mul(b2) + g.mul(g).mul((1 - b2) * d * d);
            r = root * r + (1 - root) * lr * d * d * g.dot(x0 - x).item<double>();
            s = s.mul(root) + g.mul((1 - root) * lr * d * d);
            double next = Math.Max(d, r / s.abs().sum().item<double>());
            x = x - m.div(v.sqrt() + d * eps).mul(lr * d);
            d = next;
            ds.Add(d);
        }

        using var prodigy = new ProdigyDirection(lr, b1, b2, eps, d0);
        using var opt = new CurvatureAwareOptimizer(new[] { q.W }, prodigy, new ConstantTuner(1.0));
        for (int k = 0; k < 60; k++)
        {
            opt.Step(q.Loss);
            Assert.AreEqual(ds[k], prodigy.D, 1e-9 * ds[k], $"d after step {k + 1}");
        }
        Assert.IsTrue(q.W.allclose(x, rtol: 1e-8, atol: 1e-12), "same iterates");
        Assert.IsGreaterThan(1e3 * d0, prodigy.D, "d grows from d₀ toward the distance to the solution");
    }

    [TestMethod]
    public void WithoutTheWeightsItSaysHowToUseIt()
    {
        using var prodigy = new ProdigyDirection();
        using var g = torch.ones(3);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => prodigy.Compute(new[] { g }));
        StringAssert.Contains(e.Message, "Bind");
    }
}
