using Cdat.ML.Scoring;

namespace Cdat.ML.Tests.Scoring;

[TestClass]
public sealed class SpecialFunctionsTests
{
    [TestMethod]
    public void TanhIsWithinThreeTenMillionthsOfTheExactOne()
    {
        // Every 1e-5 over [-12, 12] (past the clamp at ±7.9), and 0 to 1e-3 where tanh(x) ≈ x, with a length that is
        // not a multiple of the 8-wide vectors.
        var values = Enumerable.Range(0, 2_400_001).Select(i => (float)(-12 + i * 1e-5)).Concat(Enumerable.Range(0, 1003).Select(i => i * 1e-6f)).ToArray();
        var result = new float[values.Length];
        SpecialFunctions.Tanh(values, result);
        double worstAbsolute = 0, worstRelative = 0;
        for (int i = 0; i < values.Length; i++)
        {
            Assert.IsTrue(Math.Abs(result[i]) <= 1, $"|tanh({values[i]})| = {Math.Abs(result[i])} > 1 would make the slope 1 − a² negative");
            double exact = Math.Tanh(values[i]), error = Math.Abs(result[i] - exact);
            worstAbsolute = Math.Max(worstAbsolute, error);
            if (exact != 0) worstRelative = Math.Max(worstRelative, error / Math.Abs(exact));
        }
        // Measured: 2.7e-7 absolute and relative.
        Assert.IsTrue(worstAbsolute < 3e-7 && worstRelative < 3e-7, $"absolute {worstAbsolute:G3}, relative {worstRelative:G3}");
    }

    [TestMethod]
    public void TanhKeepsNaNAndSaturatesAtTheInfinities()
    {
        var values = new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 100f, -100f, 1e-30f, 3f };
        var result = new float[values.Length];
        SpecialFunctions.Tanh(values, result);
        Assert.IsTrue(float.IsNaN(result[0]), "tanh(NaN)");
        Assert.AreEqual(1f, result[1], 1e-7f, "tanh(+∞)");
        Assert.AreEqual(-1f, result[2], 1e-7f, "tanh(−∞)");
        Assert.AreEqual(0f, result[3]);
        Assert.IsTrue(result[4] == 0 && float.IsNegative(result[4]), "tanh(−0) = −0");
        Assert.AreEqual(1f, result[5], 1e-7f);
        Assert.AreEqual(-1f, result[6], 1e-7f);
        Assert.AreEqual(1e-30f, result[7]);
        Assert.AreEqual(Math.Tanh(3), result[8], 3e-7);
    }
}
