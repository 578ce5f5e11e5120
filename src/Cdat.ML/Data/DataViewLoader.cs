using Cdat.ML.Batches;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Data;

/// <summary>
/// Reads an IDataView once, checking every row: the rows stay in memory (one tensor) when they fit the memory budget or
/// training is full batch, otherwise mini-batches are streamed from the IDataView each epoch. <see cref="Read"/> says
/// what it found (<see cref="RowsRead"/>); the batch sources are made from that once the batch size is chosen.
/// </summary>
internal static class DataViewLoader
{
    /// <summary>
    /// Reads and checks every row once. What the pass measures comes back in <see cref="RowsRead.Columns"/>, the columns
    /// as every later read must see them: with <paramref name="standardizeLabel"/> (regression) the label's mean and
    /// standard deviation, with <see cref="InputScaling.Robust"/> (dense features, columns not yet scaled) the input
    /// transform, and the example weights' scaling. <paramref name="mayStream"/> lets rows beyond the memory budget be
    /// streamed.
    /// </summary>
    public static RowsRead Read(IDataView data, LabeledColumns columns, bool mayStream, long seed, long memoryBudgetBytes, ScalarType dtype,
                                string role = "training", bool standardizeLabel = false, CancellationToken cancellationToken = default,
                                InputScaling scaling = InputScaling.None, int bins = 0)
    {
        // Rows read through a scaler (a validation set or continued training after dense training) stay dense, as they were.
        if (columns.FeatureCount >= SparseMinFeatures && columns.Scaler is null)
        {
            var sparse = ReadSparse(data, columns, dtype, role, standardizeLabel, cancellationToken);
            if (sparse is not null) return sparse;
        }
        int d = columns.InputCount;
        // Wide features (images, text that turned out dense) are not binned: 17 inputs each would be tens of thousands.
        if ((long)d * (bins + 1) > MaxBinnedInputs) bins = 0;
        var robust = scaling == InputScaling.Robust && columns.Scaler is null ? new RobustScaling(d, seed) : null;
        // Rows kept are binned once the pass ends: the memory budget counts them at their widest.
        long bytesPerRow = 4L * ((robust is not null && bins >= 2 ? (long)d * (bins + 1) : d) + 1);
        var features = new List<float[]>();
        var labels = new List<float>();
        var weights = new List<float>();
        var tally = new LabelTally(columns, role);
        bool keep = true;
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
        columns = tally.Finish(labels, standardizeLabel, weights);
        long rows = tally.Rows;
        if (robust is not null)
        {
            // Rows read from now on (streamed epochs, validation) are scaled as they are read; those kept are scaled here.
            columns = columns with { Scaler = robust.Finish(bins) };
            if (columns.InputCount == d)
                foreach (var kept in features) columns.Scaler!.Apply(kept, kept);
            else
                for (int i = 0; i < features.Count; i++)
                {
                    var encoded = new float[columns.InputCount];
                    columns.Scaler!.Apply(features[i], encoded);
                    features[i] = encoded;
                }
        }
        return keep ? new DenseRowsRead(columns, features, labels, weights, dtype) : new StreamedRowsRead(data, columns, rows, dtype, memoryBudgetBytes);
    }

    /// <summary>Features are binned only where every feature's bins and value together stay within this many inputs (240 features at 16 bins).</summary>
    public const int MaxBinnedInputs = 4096;

    /// <summary>Feature columns at least this wide are read as sparse rows.</summary>
    public const int SparseMinFeatures = 4096;
    /// <summary>Wide rows with more non-zeros than this fraction are trained dense after all.</summary>
    public const double SparseMaxDensity = 0.25;

    /// <summary>
    /// Reads a wide feature column as compressed rows (see <see cref="SparseBatches"/>), checking every value as the
    /// dense path does. Returns null when the data turns out dense enough to be read the dense way.
    /// </summary>
    private static RowsRead? ReadSparse(IDataView data, LabeledColumns columns, ScalarType dtype, string role, bool standardizeLabel,
                                        CancellationToken cancellationToken)
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
        columns = tally.Finish(labels, standardizeLabel, weights);
        return new SparseRowsRead(columns, starts, indices, values, labels, weights, dtype);
    }
}
