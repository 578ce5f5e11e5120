using Cdat.ML.Batches;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Data;

/// <summary>
/// Mini-batches streamed from an IDataView: each epoch reads the data in order through one cursor and shuffles it through
/// a seeded pool (<see cref="ShufflePool"/>), so only the pool and one batch are in memory at a time; data views that can
/// shuffle (<see cref="IDataView.CanShuffle"/>) are also read in a seeded order. The shuffle runs on the reading thread
/// with its own seeded generator, so a seed gives the same batches, bit for bit, in every process on the same .NET
/// version (ML.NET's ShuffleRows fills its pool on a separate thread).
/// </summary>
internal sealed class DataViewBatches : IBatchSource
{
    private const int MaxPoolRows = 10_000;
    private readonly IDataView _data;
    private readonly LabeledColumns _columns;
    private readonly int _batch, _poolRows;
    private readonly long _seed;
    private readonly bool _dropLast;
    private readonly ScalarType _dtype;

    /// <param name="data">The rows.</param>
    /// <param name="columns">Feature and label columns.</param>
    /// <param name="rows">Number of rows (counted when the data was checked).</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="seed">Seed of the shuffles.</param>
    /// <param name="dropLast">Drop each epoch's last, partial batch.</param>
    /// <param name="dtype">Tensor type of the features.</param>
    /// <param name="memoryBudgetBytes">The shuffle pool takes at most half of it (and at most 10,000 rows, at least one batch).</param>
    public DataViewBatches(IDataView data, LabeledColumns columns, long rows, int batchSize, long seed, bool dropLast, ScalarType dtype,
                           long memoryBudgetBytes)
    {
        _data = data;
        _columns = columns;
        Rows = rows;
        _batch = (int)Math.Min(batchSize, rows);
        _seed = seed;
        _dropLast = dropLast;
        _dtype = dtype;
        long bytesPerRow = 4L * (columns.InputCount + 1);
        long most = Math.Max(_batch, Math.Min(MaxPoolRows, rows));
        _poolRows = (int)Math.Clamp(memoryBudgetBytes / 2 / bytesPerRow, _batch, most);
    }

    public long Rows { get; }
    public bool IsFullBatch => false;
    public int BatchesPerEpoch => (int)(_dropLast ? Rows / _batch : (Rows + _batch - 1) / _batch);
    /// <summary>Rows in the shuffle pool.</summary>
    public int ShufflePool => _poolRows;

    public IEnumerable<(Tensor Features, Tensor Targets)> Batches(int epoch, Device device)
    {
        int d = _columns.InputCount, emitted = 0, filled = 0;
        var x = new float[_batch, d];
        var y = new float[_batch];
        var w = new float[_batch];
        foreach (var (row, label, weight) in Shuffled(_seed * 1_000_003 + epoch))
        {
            if (emitted == BatchesPerEpoch) yield break;
            for (int j = 0; j < d; j++) x[filled, j] = row[j];
            w[filled] = weight;
            y[filled++] = label;
            if (filled == _batch)
            {
                emitted++;
                yield return Emit(x, y, w, filled, device);
                filled = 0;
            }
        }
        if (filled > 0 && !_dropLast && emitted < BatchesPerEpoch) yield return Emit(x, y, w, filled, device);
    }

    public (Tensor Features, Tensor Targets) Subset(long rows, long seed, Device device)
    {
        int n = (int)Math.Min(rows, Rows), d = _columns.InputCount, filled = 0;
        var x = new float[n, d];
        var y = new float[n];
        var w = new float[n];
        foreach (var (row, label, weight) in Shuffled(seed))
        {
            if (filled == n) break;
            for (int j = 0; j < d; j++) x[filled, j] = row[j];
            w[filled] = weight;
            y[filled++] = label;
        }
        using var scope = torch.NewDisposeScope();
        var (xt, yt) = BatchTargets.ToTensors(x, y, _columns.Task, _dtype, _columns.WeightsVary ? w : null);
        return (xt.to(device).DetachFromDisposeScope(), yt.to(device).DetachFromDisposeScope());
    }

    /// <summary>
    /// Every row once, in a seeded pool-shuffled order: the pool fills with the first rows, then each new row takes the
    /// place of a random pool row, which is emitted; at the end the pool is emitted in a random order. The yielded row
    /// buffer is reused: copy it before the next row.
    /// </summary>
    private IEnumerable<(float[] Row, float Label, float Weight)> Shuffled(long seed)
    {
        int d = _columns.InputCount, count = 0;
        var random = new Random((int)(seed & int.MaxValue) ^ (int)(seed >> 31));
        var pool = new float[_poolRows][];
        var labels = new float[_poolRows];
        var weights = new float[_poolRows];
        var output = new float[d];
        // A data view that can shuffle (in memory, cached) is read in a seeded random order too.
        using (var reader = new LabeledRows(_data, _columns, random: new Random(random.Next())))
        {
            var row = new float[d];
            while (reader.MoveNext())
            {
                // Rows of weight 0 were not counted either.
                float weight = reader.ReadWeight();
                if (weight == 0) continue;
                reader.ReadFeatures(row);
                float label = reader.ReadLabel();
                if (count < _poolRows)
                {
                    pool[count] = (float[])row.Clone();
                    weights[count] = weight;
                    labels[count++] = label;
                    continue;
                }
                int k = random.Next(_poolRows);
                (pool[k], row) = (row, pool[k]);
                (labels[k], label) = (label, labels[k]);
                (weights[k], weight) = (weight, weights[k]);
                yield return (row, label, weight);
            }
        }
        for (int i = count - 1; i >= 0; i--)
        {
            int k = random.Next(i + 1);
            (pool[k], pool[i]) = (pool[i], pool[k]);
            (labels[k], labels[i]) = (labels[i], labels[k]);
            (weights[k], weights[i]) = (weights[i], weights[k]);
            Array.Copy(pool[i], output, d);
            yield return (output, labels[i], weights[i]);
        }
    }

    /// <summary>The first <paramref name="count"/> buffered rows as tensors of exactly that many rows, in the caller's dispose scope.</summary>
    private (Tensor, Tensor) Emit(float[,] x, float[] y, float[] w, int count, Device device)
    {
        if (count < _batch)
        {
            var xs = new float[count, x.GetLength(1)];
            Array.Copy(x, xs, xs.Length);
            (x, y, w) = (xs, y[..count], w[..count]);
        }
        var (xt, yt) = BatchTargets.ToTensors(x, y, _columns.Task, _dtype, _columns.WeightsVary ? w : null);
        return (xt.to(device), yt.to(device));
    }
}
