using Cdat.ML.Training;

namespace Cdat.ML.Objectives;

/// <summary>A batch in two halves: each half's derivatives on its own core, added in one order.</summary>
internal sealed partial class AnalyticMlp
{
    /// <summary>
    /// Batches of at least this many rows are split in two halves whose derivatives run on two cores and are then added,
    /// always in the same order: the split follows the rows, not the machine, so results do not depend on the cores
    /// (one core computes the halves one after the other).
    /// </summary>
    internal const int SplitRows = 128;

    /// <summary>Set to false to compute every batch in one part (for comparisons).</summary>
    internal static bool Split { get; set; } = true;

    /// <summary>How many parts a batch of <paramref name="rows"/> rows is computed in.</summary>
    internal static int PartsFor(long rows) => Split && rows >= SplitRows ? 2 : 1;

    /// <summary>Runs <paramref name="work"/> (part, first row, rows) on each part of the batch: the halves on two threads.</summary>
    private void OnEachPart(Action<int, int, int> work)
    {
        if (_parts.Length == 1)
        {
            work(0, 0, _rows);
            return;
        }
        int half = _rows / 2;
        Both(() => work(0, 0, half), () => work(1, half, _rows - half));
    }

    /// <summary>
    /// <paramref name="first"/> on this thread and <paramref name="second"/> on a pool thread in this thread's
    /// flush-to-zero mode (so the numbers do not depend on which thread ran it); returns when both are done, and an
    /// exception from either arrives as itself, the first one's first.
    /// </summary>
    internal static void Both(Action first, Action second)
    {
        bool flush = Denormals.ThreadFlushes;
        var other = Task.Run(() => Denormals.Run(flush, second));
        try
        {
            first();
        }
        catch
        {
            // The second half writes into buffers the caller's lock guards: it finishes before the first one's exception leaves.
            try { other.Wait(); } catch (AggregateException) { }
            throw;
        }
        other.GetAwaiter().GetResult();
    }

    private ReadOnlySpan<float> Features(int start, int rows)
    {
        int inputs = (int)_objective.Features.shape[1];
        return HostMemory.Floats(_objective.Features).Slice(start * inputs, rows * inputs);
    }

    private ReadOnlySpan<float> Targets(int start, int rows) => _targets.AsSpan(start * _targetWidth, rows * _targetWidth);

    private ReadOnlySpan<float> Weights(int start, int rows) => _weights.Length == 0 ? [] : _weights.AsSpan(start, rows);
}
