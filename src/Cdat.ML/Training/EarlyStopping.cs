using static TorchSharp.torch;

namespace Cdat.ML.Training;

/// <summary>
/// Watches the validation loss: keeps a copy of the best weights, and says when it has not improved by more than the
/// minimum decrease for the patience.
/// </summary>
internal sealed class EarlyStopping(IReadOnlyList<Tensor> parameters, int? patience, double minDelta) : IDisposable
{
    private readonly WeightSnapshot _best = new(parameters);
    private int _sinceImprovement;

    /// <summary>The lowest validation loss seen (+∞ before the first).</summary>
    public double BestLoss { get; private set; } = double.PositiveInfinity;
    /// <summary>The step whose weights gave <see cref="BestLoss"/>.</summary>
    public long? BestStep { get; private set; }

    /// <summary>Records the validation loss of the current weights at <paramref name="step"/>; true when training should stop.</summary>
    public bool Observe(double loss, long step)
    {
        bool improved = loss < BestLoss - minDelta;
        if (loss < BestLoss)
        {
            BestLoss = loss;
            BestStep = step;
            _best.Capture();
        }
        if (improved) _sinceImprovement = 0;
        else if (patience is int p && ++_sinceImprovement >= p) return true;
        return false;
    }

    /// <summary>Writes the best weights back into the parameters.</summary>
    public void RestoreBest() => _best.Restore();

    public void Dispose() => _best.Dispose();
}
