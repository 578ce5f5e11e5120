using Cdat.ML.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Objectives;

/// <summary>
/// Mean loss of a network on a batch of (features, targets), evaluated in chunks of at most
/// <see cref="ChunkRows"/> rows so that memory stays bounded on a large full batch.
/// </summary>
public sealed class SupervisedObjective : IObjective
{
    /// <summary>Creates the objective. The tensors are used as given (same device as the network).</summary>
    /// <param name="network">The network mapping features to outputs.</param>
    /// <param name="loss">A mean-reduced loss.</param>
    /// <param name="features">Features, first dimension = rows.</param>
    /// <param name="targets">Targets, first dimension = rows.</param>
    /// <param name="chunkRows">Largest number of rows differentiated in one graph.</param>
    /// <param name="weightDecay">L2 penalty λ ≥ 0: the objective adds ½λ‖w‖² (so the Hessian gains λI).</param>
    public SupervisedObjective(nn.Module<Tensor, Tensor> network, ILoss loss, Tensor features, Tensor targets, long chunkRows = long.MaxValue,
                               double weightDecay = 0.0)
    {
        if (!double.IsFinite(weightDecay) || weightDecay < 0)
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weightDecay must be a finite number ≥ 0.");
        WeightDecay = weightDecay;
        Network = network ?? throw new ArgumentNullException(nameof(network));
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        Features = features ?? throw new ArgumentNullException(nameof(features));
        Targets = targets ?? throw new ArgumentNullException(nameof(targets));
        // size(0) is one native call; shape builds an array each time, and a mini-batch objective is made every step.
        Rows = features.size(0);
        long targetRows = targets.size(0);
        if (Rows != targetRows)
            throw new ArgumentException($"features has {Rows} rows but targets has {targetRows}.", nameof(targets));
        if (Rows == 0) throw new ArgumentException("The batch has no rows.", nameof(features));
        if (chunkRows <= 0) throw new ArgumentOutOfRangeException(nameof(chunkRows), chunkRows, "chunkRows must be greater than 0.");
        ChunkRows = Math.Min(chunkRows, Rows);
    }

    /// <summary>The network.</summary>
    public nn.Module<Tensor, Tensor> Network { get; }
    /// <summary>The loss.</summary>
    public ILoss Loss { get; }
    /// <summary>Features.</summary>
    public Tensor Features { get; }
    /// <summary>Targets.</summary>
    public Tensor Targets { get; }
    /// <summary>Rows per chunk.</summary>
    public long ChunkRows { get; }
    /// <summary>L2 penalty λ.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    public long Rows { get; }

    private (IReadOnlyList<Tensor> Parameters, AnalyticMlp? Path)? _analytic;

    /// <summary>The managed derivatives of this objective in <paramref name="parameters"/>, or null where autograd must serve.</summary>
    internal AnalyticMlp? Analytic(IReadOnlyList<Tensor> parameters)
    {
        if (_analytic is { } known && ReferenceEquals(known.Parameters, parameters)) return known.Path;
        var path = AnalyticMlp.For(this, parameters);
        _analytic = (parameters, path);
        return path;
    }
    /// <inheritdoc/>
    public int ChunkCount => (int)((Rows + ChunkRows - 1) / ChunkRows);

    /// <inheritdoc/>
    public Tensor ChunkLoss(int chunk)
    {
        if (chunk < 0 || chunk >= ChunkCount) throw new ArgumentOutOfRangeException(nameof(chunk));
        Tensor loss;
        if (ChunkCount == 1)
        {
            loss = Loss.Compute(Network.call(Features), Targets);
        }
        else
        {
            long start = chunk * ChunkRows, length = Math.Min(ChunkRows, Rows - start);
            // Sparse features cannot be narrowed: their chunk rows are selected.
            var x = Features.is_sparse ? Features.index_select(0, RowRange(start, length)) : Features.narrow(0, start, length);
            var y = Targets.narrow(0, start, length);
            using var share = Scalars.Of((double)length / Rows);
            loss = Loss.Compute(Network.call(x), y).mul(share);
        }
        // The penalty belongs to the objective once, not once per chunk.
        if (WeightDecay > 0 && chunk == 0)
        {
            using var half = Scalars.Of(0.5 * WeightDecay);
            foreach (var p in Network.parameters()) loss = loss.add((p * p).sum().mul(half), Scalars.One);
        }
        return loss;
    }

    private Tensor RowRange(long start, long length)
    {
        using Scalar from = Scalars.OfInt64(start), to = Scalars.OfInt64(start + length), step = Scalars.OfInt64(1);
        return torch.arange(from, to, step, ScalarType.Int64, Features.device);
    }

    /// <summary>The same objective on the first <paramref name="rows"/> rows of the batch.</summary>
    internal SupervisedObjective Head(long rows)
    {
        // Sparse features cannot be narrowed: their first rows are selected.
        var x = Features.is_sparse ? Features.index_select(0, RowRange(0, rows)) : Features.narrow(0, 0, rows);
        return new SupervisedObjective(Network, Loss, x, Targets.narrow(0, 0, rows), ChunkRows, WeightDecay);
    }

    /// <inheritdoc/>
    public IObjective Subsample(long rows, Generator generator)
    {
        if (rows >= Rows) return this;
        var index = torch.randperm(Rows, generator: generator, device: CPU).narrow(0, 0, rows).to(Features.device);
        return new SupervisedObjective(Network, Loss, Features.index_select(0, index), Targets.index_select(0, index), ChunkRows, WeightDecay);
    }
}
