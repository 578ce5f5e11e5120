using Cdat.ML.Batches;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Data;

/// <summary>
/// Turns an IDataView into an <see cref="IBatchSource"/>: every row is read and checked once; the rows stay in memory
/// (one tensor) when they fit the memory budget or training is full batch, otherwise mini-batches are streamed from the
/// IDataView each epoch.
/// </summary>
internal static class DataViewLoader
{
    /// <summary>
    /// Reads and checks every row once. With <paramref name="standardizeLabel"/> (regression) the label's mean and
    /// standard deviation are measured in the same pass and set on <paramref name="columns"/>, so every later read
    /// returns standardised targets. The batch size is chosen once the rows are counted (<paramref name="batchSizeFor"/>:
    /// training rows → rows per batch, null for full batch); <paramref name="mayStream"/> lets rows beyond the memory
    /// budget be streamed. When the rows stay in memory, a seeded <paramref name="holdout"/> of them (the fraction and its
    /// cap) is set aside as validation data. With <see cref="InputScaling.Robust"/> (dense features, columns not yet
    /// scaled) the transform is measured in the same pass and set on <paramref name="columns"/>, like the label's.
    /// </summary>
    public static LoadedData Load(IDataView data, LabeledColumns columns, Func<long, int?> batchSizeFor, bool mayStream, long seed,
                                  long memoryBudgetBytes, bool dropLast, ScalarType dtype, string role = "training", bool standardizeLabel = false,
                                  Holdout? holdout = null, CancellationToken cancellationToken = default, InputScaling scaling = InputScaling.None)
    {
        // Rows read through a scaler (a validation set or continued training after dense training) stay dense, as they were.
        if (columns.FeatureCount >= SparseMinFeatures && columns.Scaler is null)
        {
            var sparse = LoadSparse(data, columns, batchSizeFor, seed, dropLast, dtype, role, standardizeLabel, holdout, cancellationToken);
            if (sparse is not null) return sparse;
        }
        int d = columns.FeatureCount;
        long bytesPerRow = 4L * (d + 1);
        var features = new List<float[]>();
        var labels = new List<float>();
        var weights = new List<float>();
        var tally = new LabelTally(columns, role);
        bool keep = true;
        var robust = scaling == InputScaling.Robust && columns.Scaler is null ? new RobustScaling(d, seed) : null;
        using (var reader = new LabeledRows(data, columns, role))
        {
            var row = new float[d];
            while (reader.MoveNext())
            {
                if ((reader.Row & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                float weight = reader.ReadWeight();
                if (weight == 0) continue;
                reader.ReadFeatures(row);
                robust?.Add(row);
                float label = reader.ReadLabel();
                tally.Add(label, weight);
                if (keep && mayStream && tally.Rows * bytesPerRow > memoryBudgetBytes)
                {
                    keep = false;
                    features.Clear();
                    labels.Clear();
                    weights.Clear();
                }
                if (keep)
                {
                    features.Add((float[])row.Clone());
                    labels.Add(label);
                    weights.Add(weight);
                }
            }
        }
        tally.Finish(labels, standardizeLabel, weights);
        long rows = tally.Rows;
        if (robust is not null)
        {
            // Rows read from now on (streamed epochs, validation) are scaled as they are read; those kept are scaled here.
            columns.Scaler = robust.Finish();
            foreach (var kept in features) columns.Scaler.Apply(kept, kept);
        }

        if (!keep)
        {
            // Streamed rows have no stable identity across epochs, so nothing is held out of them.
            int batch = batchSizeFor(rows) ?? throw new InvalidOperationException("Streamed data needs mini-batches.");
            return new LoadedData(new DataViewBatches(data, columns, rows, batch, seed, dropLast, dtype, memoryBudgetBytes), null, rows, Streamed: true);
        }

        var (validationRows, trainingRows) = Holdout.Split(holdout, rows, seed);
        var validation = validationRows.Length > 0 ? Batches(validationRows, null) : null;
        var training = Batches(trainingRows, batchSizeFor(trainingRows.Length));
        return new LoadedData(training, validation, rows, Streamed: false);

        OwningTensorBatches Batches(int[] take, int? batchSize)
        {
            var x = new float[take.Length, d];
            var y = new float[take.Length];
            for (int i = 0; i < take.Length; i++)
            {
                var source = features[take[i]];
                for (int j = 0; j < d; j++) x[i, j] = source[j];
                y[i] = labels[take[i]];
            }
            using var scope = torch.NewDisposeScope();
            var (xt, yt) = BatchTargets.ToTensors(x, y, columns.Task, dtype, WeightsOf(take, weights, columns));
            return new OwningTensorBatches(xt.DetachFromDisposeScope(), yt.DetachFromDisposeScope(), batchSize, seed, dropLast);
        }
    }

    /// <summary>Feature columns at least this wide are read as sparse rows.</summary>
    public const int SparseMinFeatures = 4096;
    /// <summary>Wide rows with more non-zeros than this fraction are trained dense after all.</summary>
    public const double SparseMaxDensity = 0.25;

    /// <summary>
    /// Reads a wide feature column as compressed rows (see <see cref="SparseBatches"/>), checking every value as the
    /// dense path does. Returns null when the data turns out dense enough to be read the dense way.
    /// </summary>
    private static LoadedData? LoadSparse(IDataView data, LabeledColumns columns, Func<long, int?> batchSizeFor, long seed, bool dropLast,
                                          ScalarType dtype, string role, bool standardizeLabel, Holdout? holdout, CancellationToken cancellationToken)
    {
        int d = columns.FeatureCount;
        var starts = new List<long> { 0 };
        var indices = new List<int>();
        var values = new List<float>();
        var labels = new List<float>();
        var weights = new List<float>();
        var tally = new LabelTally(columns, role);
        using (var reader = new LabeledRows(data, columns, role))
        {
            while (reader.MoveNext())
            {
                if ((reader.Row & 1023) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    // Dense after all: stop early, before the compressed rows outgrow a dense copy.
                    if (reader.Row > 1024 && values.Count > SparseMaxDensity * reader.Row * (double)d) return null;
                }
                float weight = reader.ReadWeight();
                if (weight == 0) continue;
                reader.ReadSparse(indices, values);
                starts.Add(values.Count);
                float label = reader.ReadLabel();
                labels.Add(label);
                weights.Add(weight);
                tally.Add(label, weight);
            }
        }
        long rows = labels.Count;
        if (rows > 0 && values.Count > SparseMaxDensity * rows * (double)d) return null;
        tally.Finish(labels, standardizeLabel, weights);

        var (validationRows, trainingRows) = Holdout.Split(holdout, rows, seed);
        // Validation is scored in batches no larger than one objective chunk.
        var validation = validationRows.Length > 0 ? Batches(validationRows, Math.Min(validationRows.Length, 4096)) : null;
        var training = Batches(trainingRows, batchSizeFor(trainingRows.Length));
        return new LoadedData(training, validation, rows, Streamed: false, Density: training.Density);

        SparseBatches Batches(int[] take, int? batchSize)
        {
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
            return new SparseBatches(rowStart, cols, vals, ys, d, columns.Task, dtype, batchSize, seed, dropLast, WeightsOf(take, weights, columns));
        }
    }

    /// <summary>
    /// The weights of the rows <paramref name="take"/>, scaled to mean 1 over them (so a held-out part's loss is its own
    /// weighted mean); null when the weights do not vary.
    /// </summary>
    private static float[]? WeightsOf(int[] take, List<float> weights, LabeledColumns columns)
    {
        if (!columns.WeightsVary || take.Length == 0) return null;
        double sum = 0;
        foreach (int i in take) sum += weights[i];
        double scale = take.Length / sum;
        return take.Select(i => (float)(weights[i] * scale)).ToArray();
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
}
