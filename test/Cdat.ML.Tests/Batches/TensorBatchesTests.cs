using Cdat.ML.Batches;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Batches;

[TestClass]
public sealed class TensorBatchesTests
{
    [TestMethod]
    [DataRow(ScalarType.Int64, 1)]
    [DataRow(ScalarType.Float32, 2)]
    [DataRow(ScalarType.Float64, 3)]
    public void ManagedGatheringGivesTheBatchesIndexSelectGives(ScalarType targetType, int targetWidth)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        var x = randn(new long[] { 1000, 13 }, generator: generator);
        var y = (randn(new long[] { 1000, targetWidth }, generator: generator) * 5).to(targetType);
        if (targetWidth == 1) y = y.squeeze(1);
        var source = new TensorBatches(x, y, batchSize: 96, seed: 7);
        var managed = Read(source, hostMemory: true);
        var reference = Read(source, hostMemory: false);
        Assert.HasCount(reference.Count, managed);
        Assert.AreEqual(2 * ((1000 + 95) / 96), managed.Count, "two epochs of batches, the last of each 40 rows");
        for (int i = 0; i < managed.Count; i++)
        {
            CollectionAssert.AreEqual(reference[i].Features.shape, managed[i].Features.shape, $"batch {i}'s features' shape");
            CollectionAssert.AreEqual(reference[i].Targets.shape, managed[i].Targets.shape, $"batch {i}'s targets' shape");
            Assert.AreEqual(targetType, managed[i].Targets.dtype);
            Assert.IsTrue(reference[i].Features.eq(managed[i].Features).all().item<bool>(), $"batch {i}'s features");
            Assert.IsTrue(reference[i].Targets.eq(managed[i].Targets).all().item<bool>(), $"batch {i}'s targets");
        }
    }

    private static List<(Tensor Features, Tensor Targets)> Read(TensorBatches source, bool hostMemory)
    {
        bool before = HostMemory.Enabled;
        HostMemory.Enabled = hostMemory;
        try
        {
            return Enumerable.Range(1, 2).SelectMany(epoch => source.Batches(epoch, CPU)).ToList();
        }
        finally
        {
            HostMemory.Enabled = before;
        }
    }
}
