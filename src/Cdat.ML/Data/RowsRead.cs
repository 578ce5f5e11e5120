using Cdat.ML.Batches;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Data;

/// <summary>
/// What one pass over an IDataView found: the columns as later reads must see them (label standardisation, input and
/// weight scaling measured in the pass), the rows counted, and the rows themselves (in memory, as compressed sparse rows,
/// or left in the IDataView to be streamed). <see cref="Sources"/> makes the batch sources once the batch size is known.
/// </summary>
internal abstract class RowsRead(LabeledColumns columns, long rows)
{
    /// <summary>The columns, with what the pass measured.</summary>
    public LabeledColumns Columns { get; } = columns;
    /// <summary>Rows of weight > 0 read.</summary>
    public long Rows { get; } = rows;
    /// <summary>Whether the rows stay in the IDataView, streamed each epoch (nothing can be held out of them).</summary>
    public virtual bool Streamed => false;

    /// <summary>The rows left to train on once <paramref name="holdout"/> is set aside.</summary>
    public long TrainingRows(Holdout? holdout) => Streamed ? Rows : Rows - (holdout?.RowsOf(Rows) ?? 0);

    /// <summary>
    /// The training batches (<paramref name="batchSize"/> rows each; null for full batch) and the held-out ones. Once only:
    /// the rows read are released to the batches.
    /// </summary>
    public LoadedData Sources(int? batchSize, Holdout? holdout, long seed, bool dropLast)
    {
        if (Streamed)
            return new LoadedData(Stream(batchSize ?? throw new InvalidOperationException("Streamed data needs mini-batches."), seed, dropLast), null, Rows, Streamed: true);
        var (validationRows, trainingRows) = Holdout.Split(holdout, Rows, seed);
        var validation = validationRows.Length > 0 ? Batches(validationRows, null, seed, dropLast: false, forValidation: true) : null;
        var training = Batches(trainingRows, batchSize, seed, dropLast, forValidation: false);
        Release();
        return new LoadedData(training, validation, Rows, Streamed: false, (training as SparseBatches)?.Density);
    }

    /// <summary>Every row as validation data to score (a validation set given beside the training data). Once only.</summary>
    public IBatchSource ValidationSource(long seed)
    {
        var all = Batches(Enumerable.Range(0, (int)Rows).ToArray(), null, seed, dropLast: false, forValidation: true);
        Release();
        return all;
    }

    /// <summary>Lets the rows read go: the batch sources hold their own copies, and the trainer must not keep two.</summary>
    protected virtual void Release() { }

    /// <summary>Batches of the rows <paramref name="take"/>: training batches, or validation rows to score.</summary>
    protected abstract IBatchSource Batches(int[] take, int? batchSize, long seed, bool dropLast, bool forValidation);

    /// <summary>Mini-batches read from the IDataView each epoch.</summary>
    protected virtual IBatchSource Stream(int batchSize, long seed, bool dropLast) => throw new InvalidOperationException("The rows are in memory.");

    /// <summary>
    /// The weights of the rows <paramref name="take"/>, scaled to mean 1 over them (so a held-out part's loss is its own
    /// weighted mean); null when the weights do not vary.
    /// </summary>
    protected float[]? WeightsOf(int[] take, List<float> weights)
    {
        if (!Columns.WeightsVary || take.Length == 0) return null;
        double sum = 0;
        foreach (int i in take) sum += weights[i];
        double scale = take.Length / sum;
        return take.Select(i => (float)(weights[i] * scale)).ToArray();
    }
}

/// <summary>Dense rows kept in memory.</summary>
internal sealed class DenseRowsRead(LabeledColumns columns, List<float[]> features, List<float> labels, List<float> weights, ScalarType dtype)
    : RowsRead(columns, labels.Count)
{
    protected override IBatchSource Batches(int[] take, int? batchSize, long seed, bool dropLast, bool forValidation)
    {
        int d = Columns.InputCount;
        var x = new float[take.Length, d];
        var y = new float[take.Length];
        for (int i = 0; i < take.Length; i++)
        {
            var source = features[take[i]];
            for (int j = 0; j < d; j++) x[i, j] = source[j];
            y[i] = labels[take[i]];
        }
        using var scope = torch.NewDisposeScope();
        var (xt, yt) = BatchTargets.ToTensors(x, y, Columns.Task, dtype, WeightsOf(take, weights));
        return new OwningTensorBatches(xt.DetachFromDisposeScope(), yt.DetachFromDisposeScope(), batchSize, seed, dropLast);
    }

    protected override void Release()
    {
        features.Clear();
        features.TrimExcess();
        labels.Clear();
        weights.Clear();
    }
}

/// <summary>Wide rows kept as compressed sparse rows: row i's non-zeros are at [starts[i], starts[i + 1]).</summary>
internal sealed class SparseRowsRead(LabeledColumns columns, List<long> starts, List<int> indices, List<float> values, List<float> labels, List<float> weights,
                                     ScalarType dtype) : RowsRead(columns, labels.Count)
{
    protected override IBatchSource Batches(int[] take, int? batchSize, long seed, bool dropLast, bool forValidation)
    {
        // Validation is scored in batches no larger than one objective chunk.
        if (forValidation) batchSize = Math.Min(take.Length, 4096);
        var rowStart = new long[take.Length + 1];
        for (int i = 0; i < take.Length; i++) rowStart[i + 1] = rowStart[i] + (starts[take[i] + 1] - starts[take[i]]);
        var cols = new int[rowStart[^1]];
        var vals = new float[rowStart[^1]];
        var ys = new float[take.Length];
        for (int i = 0; i < take.Length; i++)
        {
            int from = (int)starts[take[i]], count = (int)(rowStart[i + 1] - rowStart[i]);
            indices.CopyTo(from, cols, (int)rowStart[i], count);
            values.CopyTo(from, vals, (int)rowStart[i], count);
            ys[i] = labels[take[i]];
        }
        return new SparseBatches(rowStart, cols, vals, ys, Columns.FeatureCount, Columns.Task, dtype, batchSize, seed, dropLast, WeightsOf(take, weights));
    }

    protected override void Release()
    {
        foreach (var list in new System.Collections.IList[] { starts, indices, values, labels, weights }) list.Clear();
        indices.TrimExcess();
        values.TrimExcess();
    }
}

/// <summary>Rows beyond the memory budget, left in the IDataView.</summary>
internal sealed class StreamedRowsRead(IDataView data, LabeledColumns columns, long rows, ScalarType dtype, long memoryBudgetBytes) : RowsRead(columns, rows)
{
    public override bool Streamed => true;

    protected override IBatchSource Batches(int[] take, int? batchSize, long seed, bool dropLast, bool forValidation) =>
        throw new InvalidOperationException("Streamed rows are not held in memory.");

    protected override IBatchSource Stream(int batchSize, long seed, bool dropLast) =>
        new DataViewBatches(data, Columns, Rows, batchSize, seed, dropLast, dtype, memoryBudgetBytes);
}

/// <summary>The training batches, the held-out validation batches (null when none) and the rows read.</summary>
internal sealed record LoadedData(IBatchSource Training, IBatchSource? HeldOut, long Rows, bool Streamed, double? Density = null) : IDisposable
{
    public void Dispose()
    {
        (Training as IDisposable)?.Dispose();
        (HeldOut as IDisposable)?.Dispose();
    }
}

/// <summary>A fraction of the rows set aside for validation, at most <paramref name="MaxRows"/>, none below <paramref name="MinRows"/> rows in all.</summary>
internal sealed record Holdout(double Fraction, long MaxRows, long MinRows)
{
    public long RowsOf(long rows) => rows < MinRows || Fraction <= 0 ? 0 : Math.Clamp((long)Math.Round(Fraction * rows), 1, Math.Min(MaxRows, rows - 1));

    /// <summary>Row indices held out (in a seeded random order) and trained on (in their original order).</summary>
    public static (int[] Validation, int[] Training) Split(Holdout? holdout, long rows, long seed)
    {
        var order = Enumerable.Range(0, (int)rows).ToArray();
        long heldOut = holdout?.RowsOf(rows) ?? 0;
        if (heldOut == 0) return (Array.Empty<int>(), order);
        new Random((int)(seed & int.MaxValue) ^ 0x5eed).Shuffle(order);
        return (order[..(int)heldOut], order[(int)heldOut..].Order().ToArray());
    }
}
