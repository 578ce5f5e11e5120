using Cdat.ML.Networks;
using Cdat.ML.Scoring;

namespace Cdat.ML.Tests.Scoring;

[TestClass]
public sealed class FeatureScalerTests
{
    [TestMethod]
    public void CentresScalesAndClipsSmoothlyWithinTheBound()
    {
        var scaler = new FeatureScaler(new[] { 10f, 0f, 0f }, new[] { 0.5f, 1f, 0f }, 3f);
        var z = new float[3];
        scaler.Apply(new[] { 12f, 0.01f, 123f }, z);
        // (12 − 10)·0.5 = 1 → 1/√(1 + 1/9); 0.01 is left almost as it is; a dropped feature is 0.
        Assert.AreEqual(1 / Math.Sqrt(1 + 1 / 9.0), z[0], 1e-6);
        Assert.AreEqual(0.01, z[1], 1e-6);
        Assert.AreEqual(0f, z[2]);
        foreach (float x in new[] { 1e3f, 1e30f, float.MaxValue, -float.MaxValue })
        {
            scaler.Apply(new[] { x, x, x }, z);
            Assert.IsTrue(Math.Abs(z[0]) < 3f + 1e-6 && Math.Abs(z[1]) <= 3f, $"{x}: {z[0]}, {z[1]}");
            Assert.AreEqual(Math.Sign(x), Math.Sign(z[1]));
        }
        scaler.Apply(new[] { float.MaxValue, float.MaxValue, 0f }, z);
        Assert.AreEqual(3f, z[1], 1e-5f);
        // Infinities clip to the bound; a dropped feature stays 0; NaN stays NaN (and scores NaN, as documented).
        scaler.Apply(new[] { float.NegativeInfinity, float.PositiveInfinity, float.PositiveInfinity }, z);
        CollectionAssert.AreEqual(new[] { -3f, 3f, 0f }, z);
        scaler.Apply(new[] { float.NaN, 0f, 0f }, z);
        Assert.IsTrue(float.IsNaN(z[0]));
    }

    [TestMethod]
    public void WithoutABoundItIsAffine()
    {
        var scaler = new FeatureScaler(new[] { 1f }, new[] { 4f }, 0f);
        var z = new float[1];
        scaler.Apply(new[] { 101f }, z);
        Assert.AreEqual(400f, z[0]);
    }

    [TestMethod]
    public void BadArgumentsAreNamed()
    {
        Assert.AreEqual("factor", Assert.ThrowsExactly<ArgumentException>(() => new FeatureScaler(new[] { 0f, 1f }, new[] { 1f }, 3f)).ParamName);
        Assert.AreEqual("center", Assert.ThrowsExactly<ArgumentException>(() => new FeatureScaler(new[] { float.NaN }, new[] { 1f }, 3f)).ParamName);
        Assert.AreEqual("clipBound", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new FeatureScaler(new[] { 0f }, new[] { 1f }, -1f)).ParamName);
        var scaler = new FeatureScaler(new[] { 0f, 0f }, new[] { 1f, 1f }, 3f);
        Assert.AreEqual("features", Assert.ThrowsExactly<ArgumentException>(() => scaler.Apply(new float[3], new float[3])).ParamName);
    }

    [TestMethod]
    public void TheNetworkScoresThroughItsScaler()
    {
        var layer = new DenseLayer(2, 1, new[] { 1f, 1f }, new[] { 0f });
        var scaler = new FeatureScaler(new[] { 5f, -5f }, new[] { 0.1f, 0.1f }, 0f);
        var network = new MlpWeights(new[] { layer }, Activation.Tanh, scaler);
        var y = new float[1];
        network.Forward(new[] { 15f, 5f }, y);
        Assert.AreEqual(2f, y[0], 1e-6f);
        Assert.AreEqual("inputScaler", Assert.ThrowsExactly<ArgumentException>(
            () => new MlpWeights(new[] { layer }, Activation.Tanh, new FeatureScaler(new[] { 0f }, new[] { 1f }, 0f))).ParamName);
    }
}
