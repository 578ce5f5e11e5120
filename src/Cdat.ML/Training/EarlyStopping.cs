using static TorchSharp.torch;

namespace Cdat.ML.Training;

/// <summary>
/// Watches the validation loss: keeps a copy of the best weights, says when it has not improved by more than the
/// minimum decrease for the patience, and, with <paramref name="decayAfter"/>, when the learning rate should fall first
/// (after that many checks without improvement, or since the last fall).
/// </summary>
internal sealed class EarlyStopping(IReadOnlyList<Tensor> parameters, int? patience, double minDelta, int? decayAfter = null) : IDisposable
{
    private readonly WeightSnapshot _best = new(parameters);
    private int _sinceImprovement, _sinceDecay;

    /// <summary>What a check asks of the loop.</summary>
    public enum Verdict { Continue, DecayRate, Stop }

    /// <summary>
    /// Checks without improvement before the rate falls, for a <paramref name="patience"/>: half of it, or null where
    /// that leaves no check between the fall and the stop (a patience under 2, or none).
    /// </summary>
    public static int? DecayAfter(int? patience) => patience is int p && p >= 2 ? p / 2 : null;

    /// <summary>The lowest validation loss seen (+∞ before the first).</summary>
    public double BestLoss { get; private set; } = double.PositiveInfinity;
    /// <summary>The step whose weights gave <see cref="BestLoss"/>.</summary>
    public long? BestStep { get; private set; }

    /// <summary>Records the validation loss of the current weights at <paramref name="step"/>; what the loop should do next.</summary>
    public Verdict Observe(double loss, long step)
    {
        bool improved = loss < BestLoss - minDelta;
        if (loss < BestLoss)
        {
            BestLoss = loss;
            BestStep = step;
            _best.Capture();
        }
        if (improved)
        {
            (_sinceImprovement, _sinceDecay) = (0, 0);
            return Verdict.Continue;
        }
        if (patience is int p && ++_sinceImprovement >= p) return Verdict.Stop;
        if (decayAfter is int d && ++_sinceDecay >= d)
        {
            _sinceDecay = 0;
            return Verdict.DecayRate;
        }
        return Verdict.Continue;
    }

    /// <summary>Writes the best weights back into the parameters.</summary>
    public void RestoreBest() => _best.Restore();

    public void Dispose() => _best.Dispose();
}
