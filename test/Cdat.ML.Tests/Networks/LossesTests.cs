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
}
