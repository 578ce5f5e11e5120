using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Data;

/// <summary>
/// Mini-batches streamed from an IDataView: each epoch reads the data through ML.NET's seeded shuffling cursor
/// (<see cref="DataOperationsCatalog.ShuffleRows"/>), so only a shuffle pool and one batch are in memory at a time.
/// </summary>
internal sealed class DataViewBatches : IBatchSource
{
    private const int ShufflePool = 10_000;
    private readonly IDataView _data;
    private readonly LabeledColumns _columns;
    private readonly int _batch;
    private readonly long _seed;
    private readonly bool _dropLast;
    private readonly ScalarType _dtype;
    private readonly MLContext _ml;

    public DataViewBatches(IDataView data, LabeledColumns columns, long rows, int batchSize, long seed, bool dropLast, ScalarType dtype)
    {
        _data = data;
        _columns = columns;
        Rows = rows;
        _batch = (int)Math.Min(batchSize, rows);
        _seed = seed;
        _dropLast = dropLast;
        _dtype = dtype;
        _ml = new MLContext((int)(seed & int.MaxValue));
    }

    public long Rows { get; }
    public bool IsFullBatch => false;
    public int BatchesPerEpoch => (int)(_dropLast ? Rows / _batch : (Rows + _batch - 1) / _batch);

    public IEnumerable<(Tensor Features, Tensor Targets)> Batches(int epoch, Device device)
    {
        var shuffled = _ml.Data.ShuffleRows(_data, seed: (int)((_seed * 1_000_003 + epoch) & int.MaxValue), shufflePoolSize: ShufflePool);
        int d = _columns.FeatureCount, emitted = 0;
        var x = new float[_batch, d];
        var y = new float[_batch];
        var row = new float[d];
        int filled = 0;
        using var reader = new LabeledRows(shuffled, _columns);
        while (reader.MoveNext() && emitted < BatchesPerEpoch)
        {
            reader.ReadFeatures(row);
            for (int j = 0; j < d; j++) x[filled, j] = row[j];
            y[filled++] = reader.ReadLabel();
            if (filled == _batch)
            {
                emitted++;
                yield return Emit(x, y, filled, device);
                filled = 0;
            }
        }
        if (filled > 0 && !_dropLast && emitted < BatchesPerEpoch) yield return Emit(x, y, filled, device);
    }

    public (Tensor Features, Tensor Targets) Subset(long rows, long seed, Device device)
    {
        int n = (int)Math.Min(rows, Rows), d = _columns.FeatureCount;
        var shuffled = _ml.Data.ShuffleRows(_data, seed: (int)(seed & int.MaxValue), shufflePoolSize: ShufflePool);
        var x = new float[n, d];
        var y = new float[n];
        var row = new float[d];
        int filled = 0;
        using (var reader = new LabeledRows(shuffled, _columns))
        {
            while (filled < n && reader.MoveNext())
            {
                reader.ReadFeatures(row);
                for (int j = 0; j < d; j++) x[filled, j] = row[j];
                y[filled++] = reader.ReadLabel();
            }
        }
        using var scope = torch.NewDisposeScope();
        var (xt, yt) = DataViewLoader.ToTensors(x, y, _columns.Task, _dtype);
        return (xt.to(device).DetachFromDisposeScope(), yt.to(device).DetachFromDisposeScope());
    }

    /// <summary>The first <paramref name="count"/> buffered rows as tensors in the caller's dispose scope.</summary>
    private (Tensor, Tensor) Emit(float[,] x, float[] y, int count, Device device)
    {
        var (xt, yt) = DataViewLoader.ToTensors(x, y, _columns.Task, _dtype);
        if (count < _batch) (xt, yt) = (xt.narrow(0, 0, count), yt.narrow(0, 0, count));
        return (xt.to(device), yt.to(device));
    }
}
