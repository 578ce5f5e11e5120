using Cdat.ML.Networks;
using Cdat.ML.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Objectives;

[TestClass]
public sealed class SupervisedObjectiveTests
{
    private static double Total(SupervisedObjective objective) =>
        Enumerable.Range(0, objective.ChunkCount).Sum(c => objective.ChunkLoss(c).to(ScalarType.Float64).item<double>());

    [TestMethod]
    public void ChunksAddUpToTheWholeBatchAndThePenaltyCountsOnce()
    {
        using var scope = NewDisposeScope();
        var (x, labels) = TestData.Digits(ScalarType.Float64);
        var features = x.narrow(0, 0, 250);
        var targets = labels.narrow(0, 0, 250);
        var net = new MultilayerPerceptron(64, new[] { 8 }, 10).Build(seed: 3, ScalarType.Float64);
        var whole = new SupervisedObjective(net, Losses.SoftmaxCrossEntropy, features, targets);
        var chunked = new SupervisedObjective(net, Losses.SoftmaxCrossEntropy, features, targets, chunkRows: 100);
        Assert.AreEqual(1, whole.ChunkCount);
        Assert.AreEqual(3, chunked.ChunkCount);
        Assert.AreEqual(Total(whole), Total(chunked), 1e-12);

        const double lambda = 0.3;
        var penalised = new SupervisedObjective(net, Losses.SoftmaxCrossEntropy, features, targets, chunkRows: 100, weightDecay: lambda);
        double squaredNorm = net.parameters().Sum(p => p.pow(2).sum().item<double>());
        Assert.AreEqual(0.5 * lambda * squaredNorm, Total(penalised) - Total(chunked), 1e-10);
    }

    [TestMethod]
    public void SparseFeaturesChunkLikeDenseOnes()
    {
        using var scope = NewDisposeScope();
        var (x, labels) = TestData.Digits(ScalarType.Float64);
        // Digits' pixels are about half zeros: a real sparse pattern.
        var dense = x.narrow(0, 0, 250).relu();
        var sparse = dense.to_sparse();
        var targets = labels.narrow(0, 0, 250);
        var net = new MultilayerPerceptron(64, new[] { 8 }, 10).Build(seed: 3, ScalarType.Float64);
        double expected = Total(new SupervisedObjective(net, Losses.SoftmaxCrossEntropy, dense, targets));
        Assert.AreEqual(expected, Total(new SupervisedObjective(net, Losses.SoftmaxCrossEntropy, sparse, targets, chunkRows: 100)), 1e-12);
    }
}
