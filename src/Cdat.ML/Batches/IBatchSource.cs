using static TorchSharp.torch;

namespace Cdat.ML.Batches;

/// <summary>
/// Where training batches come from: in-memory tensors (<see cref="TensorBatches"/>) or a stream read batch by batch.
/// Batches are produced in a fixed, seeded order per epoch.
/// </summary>
public interface IBatchSource
{
    /// <summary>Number of examples.</summary>
    long Rows { get; }

    /// <summary>Batches per epoch.</summary>
    int BatchesPerEpoch { get; }

    /// <summary>True when every step sees all rows (full batch); the same tensors are then returned every epoch.</summary>
    bool IsFullBatch { get; }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/> (1-based) on <paramref name="device"/>. Full batch returns tensors the
    /// source owns; mini-batches are created in the caller's dispose scope.
    /// </summary>
    IEnumerable<(Tensor Features, Tensor Targets)> Batches(int epoch, Device device);

    /// <summary>A fixed random subset of at most <paramref name="rows"/> examples, outside any dispose scope (the caller disposes it).</summary>
    (Tensor Features, Tensor Targets) Subset(long rows, long seed, Device device);
}
