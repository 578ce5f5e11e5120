using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Batches;

/// <summary>Batches from in-memory tensors: the whole set (full batch) or seeded shuffled mini-batches.</summary>
public sealed class TensorBatches : IBatchSource, IDisposable
{
    private readonly Tensor _features, _targets;
    private readonly int _batch;
    private readonly bool _dropLast;
    private readonly long _seed;
    private (Tensor X, Tensor Y, Device D)? _onDevice;

    /// <summary>Creates the source. The tensors are used as given and not disposed by it.</summary>
    /// <param name="features">Inputs, first dimension = rows.</param>
    /// <param name="targets">Targets, first dimension = rows.</param>
    /// <param name="batchSize">Rows per batch; null for full batch.</param>
    /// <param name="seed">Seed of the shuffling.</param>
    /// <param name="dropLastPartialBatch">Skip each epoch's last, smaller batch.</param>
    public TensorBatches(Tensor features, Tensor targets, int? batchSize = null, long seed = 0, bool dropLastPartialBatch = false)
    {
        _features = features ?? throw new ArgumentNullException(nameof(features));
        _targets = targets ?? throw new ArgumentNullException(nameof(targets));
        Rows = features.shape[0];
        if (Rows == 0) throw new ArgumentException("The training data has no rows.", nameof(features));
        if (targets.shape[0] != Rows) throw new ArgumentException($"features has {Rows} rows but targets has {targets.shape[0]}.", nameof(targets));
        if (batchSize is int b && b <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), b, "batchSize must be greater than 0.");
        _batch = (int)Math.Min(batchSize ?? Rows, Rows);
        _dropLast = dropLastPartialBatch;
        _seed = seed;
    }

    /// <inheritdoc/>
    public long Rows { get; }
    /// <inheritdoc/>
    public bool IsFullBatch => _batch == Rows;
    /// <inheritdoc/>
    public int BatchesPerEpoch => (int)(_dropLast ? Rows / _batch : (Rows + _batch - 1) / _batch);

    /// <inheritdoc/>
    public IEnumerable<(Tensor Features, Tensor Targets)> Batches(int epoch, Device device)
    {
        var (x, y) = OnDevice(device);
        if (IsFullBatch)
        {
            yield return (x, y);
            yield break;
        }
        using var generator = new Generator((ulong)(_seed * 1_000_003 + epoch));
        // Outlives the caller's per-batch dispose scopes; freed when the epoch ends.
        using var order = torch.randperm(Rows, generator: generator).to(device).DetachFromDisposeScope();
        // Rows in host memory are gathered by managed copies: two index_select dispatches cost more than a small batch's bytes.
        long[]? rows = IsHostDense(x) && IsHostDense(y) ? order.data<long>().ToArray() : null;
        for (int i = 0; i < BatchesPerEpoch; i++)
        {
            long start = (long)i * _batch, length = Math.Min(_batch, Rows - start);
            if (rows is not null)
            {
                var picked = rows.AsSpan((int)start, (int)length);
                yield return (Gather(x, picked), Gather(y, picked));
                continue;
            }
            using var take = order.narrow(0, start, length);
            yield return (x.index_select(0, take), y.index_select(0, take));
        }
    }

    private static bool IsHostDense(Tensor t) =>
        HostMemory.Enabled && t.device_type == DeviceType.CPU && !t.is_sparse && t.is_contiguous() && t.dim() >= 1 && t.dtype is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Int64;

    /// <summary>The rows of <paramref name="source"/> at <paramref name="rows"/>, as <c>index_select(0, rows)</c> returns them.</summary>
    private static unsafe Tensor Gather(Tensor source, ReadOnlySpan<long> rows)
    {
        var shape = source.shape;
        long rowBytes = source.numel() / shape[0] * source.element_size();
        shape[0] = rows.Length;
        var result = torch.empty(shape, source.dtype, torch.CPU);
        byte* from = (byte*)HostMemory.Pointer(source), to = (byte*)HostMemory.Pointer(result);
        for (int r = 0; r < rows.Length; r++)
            Buffer.MemoryCopy(from + rows[r] * rowBytes, to + r * rowBytes, rowBytes, rowBytes);
        return result;
    }

    /// <inheritdoc/>
    public (Tensor Features, Tensor Targets) Subset(long rows, long seed, Device device)
    {
        using var scope = torch.NewDisposeScope();
        var (x, y) = OnDevice(device);
        if (rows >= Rows) return (x.alias().DetachFromDisposeScope(), y.alias().DetachFromDisposeScope());
        using var generator = new Generator((ulong)seed);
        var take = torch.randperm(Rows, generator: generator).narrow(0, 0, rows).to(device);
        return (x.index_select(0, take).DetachFromDisposeScope(), y.index_select(0, take).DetachFromDisposeScope());
    }

    private (Tensor X, Tensor Y) OnDevice(Device device)
    {
        if (Devices.Same(_features.device, device)) return (_features, _targets);
        if (_onDevice is { } cached && Devices.Same(cached.D, device)) return (cached.X, cached.Y);
        Dispose();
        using var scope = torch.NewDisposeScope();
        var x = _features.to(device).DetachFromDisposeScope();
        var y = _targets.to(device).DetachFromDisposeScope();
        _onDevice = (x, y, device);
        return (x, y);
    }

    /// <summary>Frees the device copies made by this source (never the caller's tensors).</summary>
    public void Dispose()
    {
        if (_onDevice is { } cached)
        {
            cached.X.Dispose();
            cached.Y.Dispose();
            _onDevice = null;
        }
    }
}
