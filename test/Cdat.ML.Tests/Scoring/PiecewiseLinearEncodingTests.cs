using Cdat.ML.Data;
using Cdat.ML.Scoring;

namespace Cdat.ML.Tests.Scoring;

[TestClass]
public sealed class PiecewiseLinearEncodingTests
{
    private static readonly PiecewiseLinearEncoding Encoding = new(new IReadOnlyList<float>?[] { new[] { -1f, 0f, 2f }, null, new[] { 0f, 1f, 2f, 4f } });

    [TestMethod]
    public void EachBinIsTheFeaturesShareOfIt()
    {
        Assert.AreEqual(3, Encoding.InputCount);
        Assert.AreEqual(3 + 1 + 4, Encoding.OutputCount);
        Assert.AreEqual(2, Encoding.EncodedCount);
        Assert.AreEqual(4, Encoding.OutputStart(2));
        var output = new float[8];
        Encoding.Apply(new[] { 1f, 7.5f, 1.5f }, output);
        // Feature 0 is 1, then fills its first bin [-1, 0] and half of [0, 2]; feature 1 passes; feature 2 is 1.5, then
        // fills [0, 1] and half of [1, 2].
        CollectionAssert.AreEqual(new[] { 1f, 1f, 0.5f, 7.5f, 1.5f, 1f, 0.5f, 0f }, output);
    }

    [TestMethod]
    public void OutsideTheEdgesTheBinsStayWithinZeroAndOne()
    {
        var output = new float[8];
        Encoding.Apply(new[] { -3f, 0f, 1e6f }, output);
        // The value carries the feature beyond the edges; its bins are empty below and full above, never beyond.
        CollectionAssert.AreEqual(new[] { -3f, 0f, 0f, 0f, 1e6f, 1f, 1f, 1f }, output);
    }

    [TestMethod]
    public void WithinTheEdgesTheFeatureIsTheFirstEdgePlusTheBinsTimesTheirWidths()
    {
        // Within the edges a linear read-out of the bins alone recovers the feature too.
        var random = new Random(4);
        var edges = new[] { -2f, -0.5f, 0.25f, 1f, 3f };
        var encoding = new PiecewiseLinearEncoding(new IReadOnlyList<float>?[] { edges });
        var output = new float[5];
        for (int trial = 0; trial < 1000; trial++)
        {
            float x = (float)(random.NextDouble() * 5 - 2);
            encoding.Apply(new[] { x }, output);
            Assert.AreEqual(x, output[0]);
            double back = edges[0];
            for (int t = 0; t < 4; t++) back += output[1 + t] * (edges[t + 1] - edges[t]);
            Assert.AreEqual(x, back, 1e-5, $"x = {x}");
        }
    }

    [TestMethod]
    public void BadEdgesAreRefusedNamingTheFeature()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new PiecewiseLinearEncoding(new IReadOnlyList<float>?[] { null, new[] { 0f, 1f } })).Message, "Feature 1 has 2 edges");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new PiecewiseLinearEncoding(new IReadOnlyList<float>?[] { new[] { 0f, 1f, 1f } })).Message, "increase strictly");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new PiecewiseLinearEncoding(new IReadOnlyList<float>?[] { new[] { 0f, float.NaN, 1f } })).Message, "finite");
        Assert.ThrowsExactly<ArgumentException>(() => new PiecewiseLinearEncoding(Array.Empty<IReadOnlyList<float>?>()));
        Assert.ThrowsExactly<ArgumentException>(() => Encoding.Apply(new float[2], new float[8]));
        Assert.ThrowsExactly<ArgumentException>(() => Encoding.Apply(new float[3], new float[7]));
        var shared = new float[8];
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Encoding.Apply(shared.AsSpan(0, 3), shared)).Message, "overlap");
    }

    [TestMethod]
    public void QuantileEdgesSplitTheSampleIntoEqualCounts()
    {
        var random = new Random(2);
        var sample = Enumerable.Range(0, 4001).Select(_ => (float)random.NextDouble()).ToArray();
        var edges = RobustScaling.QuantileEdges(sample.ToArray(), 8)!;
        Assert.AreEqual(9, edges.Length);
        Assert.AreEqual(sample.Min(), edges[0]);
        Assert.AreEqual(sample.Max(), edges[^1]);
        for (int t = 0; t < 8; t++)
        {
            int inside = sample.Count(v => v >= edges[t] && v <= edges[t + 1]);
            Assert.IsTrue(Math.Abs(inside - 500) <= 2, $"bin {t} holds {inside} of 4001");
        }
    }

    [TestMethod]
    public void FlagsAndConstantsAreNotEncodedAndRepeatedValuesMerge()
    {
        Assert.IsNull(RobustScaling.QuantileEdges(Enumerable.Repeat(3f, 100).ToArray(), 8));
        Assert.IsNull(RobustScaling.QuantileEdges(Enumerable.Range(0, 100).Select(i => (float)(i % 2)).ToArray(), 8));
        // 80% zeros: the quantiles below 0.8 coincide at 0, one edge; the rest split the positive values.
        var mostlyZero = Enumerable.Range(0, 1000).Select(i => i < 800 ? 0f : i - 799f).ToArray();
        var edges = RobustScaling.QuantileEdges(mostlyZero, 8)!;
        Assert.AreEqual(0f, edges[0]);
        Assert.AreEqual(200f, edges[^1]);
        Assert.IsTrue(edges.Length is >= 3 and < 9, $"{edges.Length} edges");
        for (int t = 1; t < edges.Length; t++) Assert.IsTrue(edges[t] > edges[t - 1]);
        // Values a hair apart share a bin, not one a float's last bits could jump across: 0, 1e-5, 1 and 2 give [0, 1, 2].
        var close = Enumerable.Range(0, 1200).Select(i => i < 300 ? 0f : i < 600 ? 1e-5f : i < 900 ? 1f : 2f).ToArray();
        CollectionAssert.AreEqual(new[] { 0f, 1f, 2f }, RobustScaling.QuantileEdges(close, 8));
    }

    [TestMethod]
    public void RobustScalingEncodesTheScaledFeaturesThatTakeManyValues()
    {
        var random = new Random(5);
        var scaling = new RobustScaling(3, seed: 1);
        for (int i = 0; i < 500; i++) scaling.Add(new[] { (float)random.NextDouble() * 100, i % 2, (float)random.NextDouble() });
        var scaler = scaling.Finish(bins: 4);
        Assert.IsNotNull(scaler.Encoding);
        Assert.IsNotNull(scaler.Encoding.EdgesOf(0));
        Assert.IsNull(scaler.Encoding.EdgesOf(1), "a flag passes as it is");
        Assert.AreEqual(5 + 1 + 5, scaler.OutputCount);
        // The edges are the scaled feature's quantiles: within the smooth clip's bounds.
        Assert.IsTrue(scaler.Encoding.EdgesOf(0)!.All(e => Math.Abs(e) < RobustScaling.ClipBound));
        var one = new RobustScaling(3, seed: 1);
        one.Add(new[] { 1f, 2f, 3f });
        Assert.IsNull(one.Finish(bins: 4).Encoding, "one row gives no bins");

        // In place: the destination may start where the features do.
        var row = new float[11];
        row[0] = 50; row[1] = 1; row[2] = 0.5f;
        var separate = new float[11];
        scaler.Apply(row.AsSpan(0, 3), separate);
        scaler.Apply(row.AsSpan(0, 3), row);
        CollectionAssert.AreEqual(separate, row);
    }
}
