using Cdat.ML.Batches;
using Cdat.ML.Data;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Batches;

[TestClass]
public sealed class HostTensorsTests
{
    [TestMethod]
    public void ABatchGivesTheSameProductBitForBitWhereverItsArrayLay()
    {
        // x·wᵀ of a 5-row batch through torch.tensor(array) differed from the first result in about half of 3000 tries
        // (MKL's sgemm rounds by alignment); through HostTensors it never did.
        int previous = get_num_threads();
        set_num_threads(2);
        try
        {
            var random = new Random(3);
            var values = new float[5, 64];
            for (int i = 0; i < 5; i++) for (int j = 0; j < 64; j++) values[i, j] = (float)random.NextDouble();
            using var generator = new TorchSharp.torch.Generator(1);
            using var w = randn(new long[] { 32, 64 }, generator: generator);
            using var first = nn.functional.linear(HostTensors.From(values, ScalarType.Float32), w);
            var keep = new List<Tensor>();  // allocations of odd sizes between tries move where the next array lands
            for (int attempt = 0; attempt < 400; attempt++)
            {
                using var scope = NewDisposeScope();
                keep.Add(zeros(random.Next(1, 40)).DetachFromDisposeScope());
                var again = nn.functional.linear(HostTensors.From(values, ScalarType.Float32), w);
                Assert.IsFalse(again.ne(first).any().item<bool>(), $"try {attempt} differs");
            }
            keep.ForEach(t => t.Dispose());
        }
        finally { set_num_threads(previous); }
    }

    [TestMethod]
    public void CopiesValuesAndConvertsTheType()
    {
        using var scope = NewDisposeScope();
        var values = new float[,] { { 1.5f, -2 }, { 3, 4.25f } };
        var t = HostTensors.From(values, ScalarType.Float64);
        Assert.AreEqual(ScalarType.Float64, t.dtype);
        CollectionAssert.AreEqual(new long[] { 2, 2 }, t.shape);
        values[0, 0] = 99;  // the tensor owns its copy
        CollectionAssert.AreEqual(new[] { 1.5, -2, 3, 4.25 }, t.reshape(-1).data<double>().ToArray());
        var labels = HostTensors.From(new long[] { 3, 1 }, ScalarType.Int64);
        CollectionAssert.AreEqual(new long[] { 3, 1 }, labels.data<long>().ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => HostTensors.From(new int[] { 1 }, ScalarType.Int32));
    }
}
