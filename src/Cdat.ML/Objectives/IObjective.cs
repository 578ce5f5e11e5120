using static TorchSharp.torch;

namespace Cdat.ML.Objectives;

/// <summary>
/// The function being minimised, as a mean loss split into chunks so that a large full batch can be differentiated
/// with bounded memory: the chunk losses sum to the mean loss over all rows.
/// </summary>
public interface IObjective
{
    /// <summary>Number of chunks (1 when everything fits in one graph).</summary>
    int ChunkCount { get; }

    /// <summary>Number of examples behind the loss (1 for a plain function).</summary>
    long Rows { get; }

    /// <summary>Chunk <paramref name="chunk"/>'s share of the mean loss, as a scalar tensor connected to the parameters.</summary>
    Tensor ChunkLoss(int chunk);

    /// <summary>
    /// The same objective on a random subset of <paramref name="rows"/> examples (for cheaper curvature estimates),
    /// or this objective when it cannot be subsampled or is already that small.
    /// </summary>
    IObjective Subsample(long rows, Generator generator);
}
