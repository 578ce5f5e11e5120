using Cdat.ML.Networks;
using Cdat.ML.Scoring;

namespace Cdat.ML.Tests.Networks;

[TestClass]
public sealed class LogitAverageTests
{
    private static LayerArrays[] Random(int seed, params int[] sizes)
    {
        var random = new Random(seed);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return Enumerable.Range(0, sizes.Length - 1).Select(l => new LayerArrays(sizes[l], sizes[l + 1], Values(sizes[l] * sizes[l + 1]), Values(sizes[l + 1]))).ToArray();
    }

    private static MlpWeights Weights(IEnumerable<LayerArrays> layers, Activation activation) =>
        new(layers.Select(l => new DenseLayer(l.Inputs, l.Outputs, l.Weight, l.Bias)).ToArray(), activation);

    [TestMethod]
    [DataRow(Activation.Tanh, new[] { 6, 5, 3 })]
    [DataRow(Activation.Relu, new[] { 6, 4, 7, 2 })]
    [DataRow(Activation.Gelu, new[] { 6, 1 })]
    public void TheMergedNetworkScoresTheMembersMeanOutput(Activation activation, int[] sizes)
    {
        var members = Enumerable.Range(1, 5).Select(seed => Random(seed, sizes)).ToArray();
        var merged = Weights(LogitAverage.Merge(members), activation);
        // Hidden layers side by side (5 × the width), the output layer shared.
        if (sizes.Length > 2) Assert.AreEqual(5 * sizes[1], merged.Layers[0].Outputs);
        Assert.AreEqual(sizes[^1], merged.OutputSize);
        var random = new Random(9);
        for (int trial = 0; trial < 20; trial++)
        {
            var x = Enumerable.Range(0, sizes[0]).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
            var mean = new double[sizes[^1]];
            foreach (var m in members)
            {
                var y = new float[sizes[^1]];
                Weights(m, activation).Forward(x, y);
                for (int k = 0; k < y.Length; k++) mean[k] += y[k] / 5.0;
            }
            var z = new float[sizes[^1]];
            merged.Forward(x, z);
            for (int k = 0; k < z.Length; k++) Assert.AreEqual(mean[k], z[k], 1e-5, $"trial {trial}, output {k}");
        }
    }

    [TestMethod]
    public void NetworksOfOtherShapesAreRefused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => LogitAverage.Merge(new[] { Random(1, 4, 3, 2), Random(2, 4, 5, 2) }));
        Assert.ThrowsExactly<ArgumentException>(() => LogitAverage.Merge(Array.Empty<LayerArrays[]>()));
    }
}
