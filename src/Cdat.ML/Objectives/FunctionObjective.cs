using static TorchSharp.torch;

namespace Cdat.ML.Objectives;

/// <summary>An objective given as a closure that returns a scalar loss (one chunk, no subsampling).</summary>
internal sealed class FunctionObjective : IObjective
{
    private readonly Func<Tensor> _loss;

    /// <summary>Wraps a closure; it is called once per evaluation and must build a fresh graph each time.</summary>
    public FunctionObjective(Func<Tensor> loss) => _loss = loss ?? throw new ArgumentNullException(nameof(loss));

    /// <inheritdoc/>
    public int ChunkCount => 1;
    /// <inheritdoc/>
    public long Rows => 1;
    /// <inheritdoc/>
    public Tensor ChunkLoss(int chunk) => _loss();
    /// <inheritdoc/>
    public IObjective Subsample(long rows, Generator generator) => this;
}
