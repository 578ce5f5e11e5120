using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Batches;

/// <summary>
/// Batches of wide, mostly-zero features (e.g. <c>FeaturizeText</c>'s n-grams) kept as compressed rows: memory grows
/// with the non-zeros, not the width, and each batch is a sparse COO tensor, so the first layer's products (and the
/// Hessian-vector products through them) cost in proportion to the non-zeros. The batch order is the same as
/// <see cref="TensorBatches"/>' for the same seed.
/// </summary>
internal sealed class SparseBatches : IBatchSource, IDisposable
{
    private readonly long[] _rowStart;
    private readonly int[] _columns;
    private readonly float[] _values, _labels;
    private readonly float[]? _weights;
    private readonly int _width, _batch;
    private readonly CdatTask _task;
    private readonly ScalarType _dtype;
    private readonly long _seed;
    private readonly bool _dropLast;
    private (Tensor X, Tensor Y, Device D)? _full;

    /// <param name="rowStart">Row i's non-zeros are at [rowStart[i], rowStart[i + 1]) of the columns and values.</param>
    /// <param name="columns">Column index of each non-zero.</param>
    /// <param name="values">Value of each non-zero.</param>
    /// <param name="labels">One target per row, in the loss's encoding.</param>
    /// <param name="width">Number of features.</param>
    /// <param name="task">The task (target encoding).</param>
    /// <param name="dtype">Float type of the values.</param>
    /// <param name="batchSize">Rows per batch; null for full batch.</param>
    /// <param name="seed">Seed of the shuffles.</param>
    /// <param name="dropLast">Skip each epoch's last, smaller batch.</param>
    /// <param name="weights">One example weight per row, packed with the targets (<see cref="Networks.WeightedLoss"/>); null: none.</param>
    public SparseBatches(long[] rowStart, int[] columns, float[] values, float[] labels, int width, CdatTask task, ScalarType dtype,
                         int? batchSize, long seed, bool dropLast, float[]? weights = null)
    {
        _weights = weights;
        _rowStart = rowStart;
        _columns = columns;
        _values = values;
        _labels = labels;
        _width = width;
        _task = task;
        _dtype = dtype;
        Rows = labels.Length;
        _batch = (int)Math.Min(batchSize ?? Rows, Rows);
        _seed = seed;
        _dropLast = dropLast;
    }

    public long Rows { get; }
    public bool IsFullBatch => _batch == Rows;
    public int BatchesPerEpoch => (int)(_dropLast ? Rows / _batch : (Rows + _batch - 1) / _batch);
    /// <summary>Fraction of the feature values that are non-zero.</summary>
    public double Density => Rows == 0 ? 0 : (double)_values.Length / (Rows * (double)_width);

    public IEnumerable<(Tensor Features, Tensor Targets)> Batches(int epoch, Device device)
    {
        if (IsFullBatch)
        {
            if (_full is not { } cached || !Devices.Same(cached.D, device))
            {
                DisposeFull();
                using var scope = torch.NewDisposeScope();
                var (x, y) = Build(Enumerable.Range(0, (int)Rows).Select(i => (long)i).ToArray(), device);
                _full = (x.DetachFromDisposeScope(), y.DetachFromDisposeScope(), device);
            }
            yield return (_full.Value.X, _full.Value.Y);
            yield break;
        }
        long[] order;
        using (var generator = new Generator((ulong)(_seed * 1_000_003 + epoch)))
        using (var permutation = torch.randperm(Rows, generator: generator))
            order = permutation.data<long>().ToArray();
        for (int i = 0; i < BatchesPerEpoch; i++)
        {
            long start = (long)i * _batch, length = Math.Min(_batch, Rows - start);
            yield return Build(order.AsSpan((int)start, (int)length).ToArray(), device);
        }
    }

    public (Tensor Features, Tensor Targets) Subset(long rows, long seed, Device device)
    {
        using var scope = torch.NewDisposeScope();
        long[] take;
        using (var generator = new Generator((ulong)seed))
        using (var permutation = torch.randperm(Rows, generator: generator))
            take = permutation.data<long>().ToArray()[..(int)Math.Min(rows, Rows)];
        var (x, y) = Build(take, device);
        return (x.DetachFromDisposeScope(), y.DetachFromDisposeScope());
    }

    /// <summary>The given rows as a sparse [n, width] tensor and their targets, in the caller's dispose scope.</summary>
    private (Tensor X, Tensor Y) Build(long[] rows, Device device)
    {
        long nnz = 0;
        foreach (long r in rows) nnz += _rowStart[r + 1] - _rowStart[r];
        var indices = new long[2 * nnz];
        var values = new float[nnz];
        var labels = new float[rows.Length];
        var weights = _weights is null ? null : new float[rows.Length];
        long k = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            long r = rows[i];
            labels[i] = _labels[r];
            if (weights is not null) weights[i] = _weights![r];
            for (long p = _rowStart[r]; p < _rowStart[r + 1]; p++, k++)
            {
                indices[k] = i;
                indices[nnz + k] = _columns[p];
                values[k] = _values[p];
            }
        }
        var x = torch.sparse_coo_tensor(HostTensors.From(indices, ScalarType.Int64).reshape(2, nnz), HostTensors.From(values, _dtype), new long[] { rows.Length, _width });
        var y = BatchTargets.Targets(labels, _task, _dtype, weights);
        return (x.to(device), y.to(device));
    }

    private void DisposeFull()
    {
        if (_full is { } cached)
        {
            cached.X.Dispose();
            cached.Y.Dispose();
            _full = null;
        }
    }

    public void Dispose() => DisposeFull();
}
