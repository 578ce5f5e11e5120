using Cdat.ML.Networks;
using Cdat.ML.Scoring;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Scoring;

[TestClass]
public sealed class MlpWeightsTests
{
    [TestMethod]
    [DataRow(Activation.Tanh)]
    [DataRow(Activation.Relu)]
    [DataRow(Activation.Gelu)]
    public void ManagedForwardPassMatchesTorchSharp(Activation activation)
    {
        using var scope = NewDisposeScope();
        var network = new MultilayerPerceptron(20, new[] { 48, 32 }, 7, activation).Build(seed: 4);
        // Move the weights away from the initialisation so the activations see a wide range.
        using (no_grad()) foreach (var p in network.parameters()) p.mul_(3.0);
        var weights = new MlpWeights(MultilayerPerceptron.ReadLayers(network).Select(l => new DenseLayer(l.Inputs, l.Outputs, l.Weight, l.Bias)).ToArray(), activation);
        using var g = new Generator(5);
        var x = torch.randn(new long[] { 256, 20 }, generator: g);
        var expected = network.call(x).data<float>().ToArray();
        var features = x.data<float>().ToArray();
        var output = new float[7];
        double worst = 0;
        for (int row = 0; row < 256; row++)
        {
            weights.Forward(features.AsSpan(row * 20, 20), output);
            for (int k = 0; k < 7; k++)
                worst = Math.Max(worst, Math.Abs(output[k] - expected[row * 7 + k]) / Math.Max(1.0, Math.Abs(expected[row * 7 + k])));
        }
        Assert.IsTrue(worst <= 1e-5, $"largest difference {worst:E2}");
    }

    [TestMethod]
    public void ALinearModelIsOneLayer()
    {
        var layer = new DenseLayer(2, 1, new[] { 2f, -1f }, new[] { 0.5f });
        var model = new MlpWeights(new[] { layer }, Activation.Tanh);
        var y = new float[1];
        model.Forward(new[] { 1f, 3f }, y);
        Assert.AreEqual(2f - 3f + 0.5f, y[0]);
    }

    [TestMethod]
    public void MismatchedShapesAreRejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new DenseLayer(2, 2, new float[3], new float[2]));
        var a = new DenseLayer(2, 3, new float[6], new float[3]);
        var b = new DenseLayer(4, 1, new float[4], new float[1]);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new MlpWeights(new[] { a, b }, Activation.Tanh)).Message, "Layer 1");
        var model = new MlpWeights(new[] { a }, Activation.Tanh);
        Assert.ThrowsExactly<ArgumentException>(() => model.Forward(new float[5], new float[3]));
    }
}
