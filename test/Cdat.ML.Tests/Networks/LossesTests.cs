using Cdat.ML.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Networks;

[TestClass]
public sealed class LossesTests
{
    [TestMethod]
    public void TheClassificationLossesAreFiniteAtLargeFiniteLogits()
    {
        using var scope = NewDisposeScope();
        var logits = torch.tensor(new float[] { 89, 0, 0, 100, 99, 98, -3e4f, 0, 3e4f }).reshape(3, 3);
        var classes = torch.tensor(new long[] { 0, 2, 0 });
        double ce = Losses.SoftmaxCrossEntropy.Compute(logits, classes).item<float>();
        // Per row: log(1 + 2e^-89) ≈ 0; 2 + log(1 + e^-1 + e^-2); 6e4 (the target sits 6e4 below the top logit).
        Assert.AreEqual((0 + 2 + Math.Log(1 + Math.Exp(-1) + Math.Exp(-2)) + 6e4) / 3, ce, 1e-2);
        var binary = torch.tensor(new float[] { 1e4f, -1e4f, 88f });
        double logistic = Losses.BinaryLogistic.Compute(binary, torch.tensor(new float[] { 0, 1, 1 })).item<float>();
        Assert.AreEqual((1e4 + 1e4 + Math.Log(1 + Math.Exp(-88))) / 3, logistic, 1e-2);
        Assert.IsTrue(double.IsFinite(ce) && double.IsFinite(logistic));
    }

    [TestMethod]
    public void IntegerWeightsEqualRepeatedRowsInValueAndGradient()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        var output = torch.randn(new long[] { 4, 3 }, generator: generator).requires_grad_();
        var classes = torch.tensor(new long[] { 2, 0, 1, 1 });
        var weights = torch.tensor(new float[] { 2, 0, 1, 3 });
        // Weights scaled to mean 1 (as the readers give them): rows 0, 0, 2, 3, 3, 3.
        var packed = WeightedLoss.Pack(classes, weights * (4f / 6f), ScalarType.Float32);
        var weighted = new WeightedLoss((IExampleLoss)Losses.SoftmaxCrossEntropy).Compute(output, packed);
        var gradient = torch.autograd.grad(new[] { weighted }, new[] { output })[0];
        var take = torch.tensor(new long[] { 0, 0, 2, 3, 3, 3 });
        var repeated = Losses.SoftmaxCrossEntropy.Compute(output.index_select(0, take), classes.index_select(0, take));
        var repeatedGradient = torch.autograd.grad(new[] { repeated }, new[] { output })[0];
        Assert.AreEqual(repeated.item<float>(), weighted.item<float>(), 1e-6);
        Assert.IsTrue(gradient.allclose(repeatedGradient, rtol: 1e-5, atol: 1e-7));
        // Unpacked targets are unweighted.
        Assert.AreEqual(Losses.SoftmaxCrossEntropy.Compute(output, classes).item<float>(),
            new WeightedLoss((IExampleLoss)Losses.SoftmaxCrossEntropy).Compute(output, classes).item<float>());
    }
}
