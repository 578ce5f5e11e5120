using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Batches;

/// <summary>In-memory batches that own (and dispose) their tensors.</summary>
internal sealed class OwningTensorBatches(Tensor x, Tensor y, int? batchSize, long seed, bool dropLast)
    : IBatchSource, IDisposable
{
    private readonly TensorBatches _inner = new(x, y, batchSize, seed, dropLast);
    public long Rows => _inner.Rows;
    public int BatchesPerEpoch => _inner.BatchesPerEpoch;
    public bool IsFullBatch => _inner.IsFullBatch;
    public IEnumerable<(Tensor Features, Tensor Targets)> Batches(int epoch, Device device) => _inner.Batches(epoch, device);
    public (Tensor Features, Tensor Targets) Subset(long rows, long s, Device device) => _inner.Subset(rows, s, device);

    public void Dispose()
    {
        _inner.Dispose();
        x.Dispose();
        y.Dispose();
    }
}
