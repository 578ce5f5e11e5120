using Cdat.ML.Directions;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Directions;

/// <summary>Each direction against its optax formula, computed by hand on scalars.</summary>
[TestClass]
public sealed class DirectionTests
{
    private static readonly double[] Gradients = { 0.5, -1.5, 2.0, 0.25 };

    private static double[] Run(IDirection direction)
    {
        var result = new double[Gradients.Length];
        for (int t = 0; t < Gradients.Length; t++)
        {
            using var scope = NewDisposeScope();
            var g = torch.tensor(new[] { Gradients[t] });
            result[t] = direction.Compute(new[] { g })[0].item<double>();
            Assert.AreEqual(Gradients[t], g.item<double>(), "the gradient is not modified");
        }
        return result;
    }

    [TestMethod]
    public void GradientDescentIsMinusTheGradient()
    {
        using var d = new GradientDescentDirection();
        CollectionAssert.AreEqual(Gradients.Select(g => -g).ToArray(), Run(d));
        Assert.AreEqual(2.0 / 0.1, d.StabilityThreshold(0.1), 1e-12);
    }

    [TestMethod]
    public void HeavyBallAndNesterovMomentum()
    {
        double mu = 0.9, m = 0;
        var heavy = new List<double>();
        var nesterov = new List<double>();
        foreach (var g in Gradients) { m = g + mu * m; heavy.Add(-m); nesterov.Add(-(g + mu * m)); }
        using var h = new MomentumDirection(mu);
        using var n = new MomentumDirection(mu, nesterov: true);
        AssertClose(heavy, Run(h));
        AssertClose(nesterov, Run(n));
        Assert.AreEqual(2 * 1.9 / 0.1, h.StabilityThreshold(0.1), 1e-12);
    }

    [TestMethod]
    public void RmsPropHasEpsilonInsideTheRootAndNoBiasCorrection()
    {
        double nu = 0, rho = 0.9, eps = 1e-3;
        var expected = new List<double>();
        foreach (var g in Gradients) { nu = rho * nu + (1 - rho) * g * g; expected.Add(-g / Math.Sqrt(nu + eps)); }
        using var d = new RmsPropDirection(rho, eps);
        AssertClose(expected, Run(d));
        Assert.AreEqual(Math.Sqrt(nu + eps), d.Preconditioner()![0].item<double>(), 1e-12);
    }

    [TestMethod]
    public void AdamIsBiasCorrected()
    {
        double m = 0, v = 0, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        var expected = new List<double>();
        int t = 0;
        foreach (var g in Gradients)
        {
            t++;
            m = b1 * m + (1 - b1) * g;
            v = b2 * v + (1 - b2) * g * g;
            double mh = m / (1 - Math.Pow(b1, t)), vh = v / (1 - Math.Pow(b2, t));
            expected.Add(-mh / (Math.Sqrt(vh) + eps));
        }
        using var d = new AdamDirection();
        AssertClose(expected, Run(d));
        Assert.AreEqual(38.0 / 0.01, d.StabilityThreshold(0.01), 1e-9);
        d.Reset();
        Assert.IsNull(d.Preconditioner());
        Assert.AreEqual(-1.0, Run(d)[0], 1e-6, "after Reset the first Adam step is −sign(g)");
    }

    private static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual)
    {
        for (int i = 0; i < expected.Count; i++) Assert.AreEqual(expected[i], actual[i], 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"step {i + 1}");
    }
}
