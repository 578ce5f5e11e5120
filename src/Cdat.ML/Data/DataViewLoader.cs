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
    /// returns standardised targets.
    /// </summary>
    public static IBatchSource Load(IDataView data, LabeledColumns columns, int? batchSize, long seed, long memoryBudgetBytes, bool dropLast,
                                    ScalarType dtype, string role = "training", bool standardizeLabel = false,
                                    CancellationToken cancellationToken = default)
    {
        int d = columns.FeatureCount;
        bool fullBatch = batchSize is null;
        long bytesPerRow = 4L * (d + 1);
        var features = new List<float[]>();
        var labels = new List<float>();
        var seen = new HashSet<float>();
        bool keep = true;
        long rows = 0;
        double mean = 0, m2 = 0;
        using (var reader = new LabeledRows(data, columns, role))
        {
            var row = new float[d];
            while (reader.MoveNext())
            {
                if ((reader.Row & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                reader.ReadFeatures(row);
                float label = reader.ReadLabel();
                rows++;
                double delta = label - mean;
                mean += delta / rows;
                m2 += delta * (label - mean);
                if (columns.Task != CdatTask.Regression && seen.Count < 2) seen.Add(label);
                if (keep && !fullBatch && rows * bytesPerRow > memoryBudgetBytes)
                {
                    keep = false;
                    features.Clear();
                    labels.Clear();
                }
                if (keep)
                {
                    features.Add((float[])row.Clone());
                    labels.Add(label);
                }
            }
        }
        if (rows == 0) throw new InvalidDataException($"The {role} data has no rows.");
        if (role == "training" && columns.Task != CdatTask.Regression && seen.Count < 2)
            throw new InvalidDataException($"Label column '{columns.Label.Name}' has a single class in the training data; a classifier needs at least two.");

        if (standardizeLabel && columns.Task == CdatTask.Regression)
        {
            double std = Math.Sqrt(m2 / rows);
            columns.LabelOffset = mean;
            columns.LabelScale = std > 0 ? std : 1.0;
            for (int i = 0; i < labels.Count; i++) labels[i] = (float)((labels[i] - columns.LabelOffset) / columns.LabelScale);
        }

        if (!keep) return new DataViewBatches(data, columns, rows, batchSize!.Value, seed, dropLast, dtype, memoryBudgetBytes);

        var x = new float[rows, d];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < d; j++) x[i, j] = features[i][j];
        using var scope = torch.NewDisposeScope();
        var (xt, yt) = ToTensors(x, labels.ToArray(), columns.Task, dtype);
        return new OwningTensorBatches(xt.DetachFromDisposeScope(), yt.DetachFromDisposeScope(), batchSize, seed, dropLast);
    }

    /// <summary>
    /// Features [N, d] and targets in the task's loss encoding ([N, 1] values, [N] 0/1, or [N] int64 classes), in the
    /// caller's dispose scope.
    /// </summary>
    public static (Tensor X, Tensor Y) ToTensors(float[,] features, float[] labels, CdatTask task, ScalarType dtype)
    {
        var x = torch.tensor(features).to(dtype);
        var y = task switch
        {
            CdatTask.Regression => torch.tensor(labels).reshape(-1, 1).to(dtype),
            CdatTask.BinaryClassification => torch.tensor(labels).to(dtype),
            _ => torch.tensor(labels).to(ScalarType.Int64),
        };
        return (x, y);
    }

    /// <summary>In-memory batches that own (and dispose) their tensors.</summary>
    private sealed class OwningTensorBatches(Tensor x, Tensor y, int? batchSize, long seed, bool dropLast)
        : IBatchSource, IDisposable
    {
        private readonly TensorBatches _inner = new(x, y, batchSize, seed, dropLast);
        public long Rows => _inner.Rows;
        public int BatchesPerEpoch => _inner.BatchesPerEpoch;
        public bool IsFullBatch => _inner.IsFullBatch;
        public IEnumerable<(Tensor Features, Tensor Targets)> Batches(int epoch, Device device) => _inner.Batches(epoch, device);
        public (Tensor Features, Tensor Targets) Subset(long rows, long s, Device device) => _inner.Subset(rows, s, device);

        public void Dispose()
        {
            _inner.Dispose();
            x.Dispose();
            y.Dispose();
        }
    }
}
