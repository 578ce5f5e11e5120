using System.Globalization;
using Cdat.ML.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Samples.Datasets;

/// <summary>A data set as standardised tensors, split into training and test rows.</summary>
internal sealed record SampleData(string Name, CdatTask Task, int Classes, Tensor TrainX, Tensor TrainY, Tensor TestX, Tensor TestY, string[] FeatureNames)
{
    public int Features => (int)TrainX.shape[1];

    /// <summary>Targets in the encoding of <paramref name="loss"/>: one-hot rows (mse, classification), class indices (ce), values.</summary>
    public Tensor Targets(Tensor y, string loss) => Task switch
    {
        CdatTask.MulticlassClassification when loss == "mse" => Losses.OneHot(y, Classes),
        CdatTask.MulticlassClassification => y,
        CdatTask.BinaryClassification when loss == "mse" => y.to(ScalarType.Float32).reshape(-1, 1),
        CdatTask.BinaryClassification => y.to(ScalarType.Float32),
        _ => y.reshape(-1, 1),
    };

    public int Outputs => Task == CdatTask.MulticlassClassification ? Classes : 1;

    /// <summary>The loss for <paramref name="name"/> (mse or ce) on this task.</summary>
    public ILoss Loss(string name) => (name, Task) switch
    {
        ("mse", _) => Losses.SquaredError,
        (_, CdatTask.BinaryClassification) => Losses.BinaryLogistic,
        (_, CdatTask.MulticlassClassification) => Losses.SoftmaxCrossEntropy,
        _ => Losses.SquaredError,
    };

    /// <summary>Loads a named data set (digits, breast-cancer, diabetes, fashion-mnist) or a CSV path with a label column.</summary>
    public static SampleData Load(string dataset, string? label, long seed, double testFraction = 0.2, int? limit = null)
    {
        return dataset.ToLowerInvariant() switch
        {
            "digits" => FromCsv(DataPath("digits.csv"), "Label", CdatTask.MulticlassClassification, "digits", seed, testFraction, limit),
            "breast-cancer" => FromCsv(DataPath("breast_cancer.csv"), "Benign", CdatTask.BinaryClassification, "breast-cancer", seed, testFraction, limit),
            "diabetes" => FromCsv(DataPath("diabetes.csv"), "Progression", CdatTask.Regression, "diabetes", seed, testFraction, limit),
            "fashion-mnist" => FashionMnist.Load(limit),
            _ when File.Exists(dataset) => FromCsv(dataset, label ?? throw new ArgumentException("--label is required with a CSV path."), null, Path.GetFileNameWithoutExtension(dataset), seed, testFraction, limit),
            _ => throw new ArgumentException($"Unknown data set '{dataset}': use digits, breast-cancer, diabetes, fashion-mnist or the path of a CSV file."),
        };
    }

    public static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "data", file);

    /// <summary>
    /// Reads a CSV with a header: the label column, and every other numeric column as a feature. The task is inferred
    /// when not given: true/false labels are binary, numbers are regression unless they are at most 50 distinct integers
    /// (multiclass), and text labels are classes (at most 50).
    /// </summary>
    private static SampleData FromCsv(string path, string label, CdatTask? task, string name, long seed, double testFraction, int? limit)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        int labelIndex = Array.IndexOf(header, label);
        if (labelIndex < 0) throw new ArgumentException($"The CSV '{path}' has no column '{label}'. Columns: {string.Join(", ", header)}.");
        var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();
        if (limit is int n) rows = rows.Take(n).ToArray();
        if (rows.Length == 0) throw new ArgumentException($"The CSV '{path}' has a header but no rows.");
        int ragged = Array.FindIndex(rows, r => r.Length != header.Length);
        if (ragged >= 0)
            throw new ArgumentException($"Row {ragged + 1} of the CSV '{path}' has {rows[ragged].Length} fields where the header has {header.Length} (quoted commas are not supported).");
        var featureColumns = Enumerable.Range(0, header.Length)
            .Where(j => j != labelIndex && rows.All(r => double.TryParse(r[j], NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            .ToArray();
        var labels = rows.Select(r => r[labelIndex].Trim()).ToArray();
        bool numeric = labels.All(v => float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        int distinct = labels.Distinct().Count();
        task ??= labels.All(v => v is "true" or "false" or "True" or "False") ? CdatTask.BinaryClassification
            : numeric && labels.All(v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)) && distinct <= 50 ? CdatTask.MulticlassClassification
            : numeric ? CdatTask.Regression
            : distinct <= 50 ? CdatTask.MulticlassClassification
            : throw new ArgumentException($"Label column '{label}' of '{path}' holds {distinct} distinct text values: too many to be classes (at most 50), and they are not numbers for regression.");
        if (task == CdatTask.Regression && !numeric)
            throw new ArgumentException($"Label column '{label}' of '{path}' holds text ('{labels.First(v => !float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _))}'); regression needs numbers.");

        var x = new float[rows.Length, featureColumns.Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < featureColumns.Length; j++)
                x[i, j] = float.Parse(rows[i][featureColumns[j]], CultureInfo.InvariantCulture);
        // Integer classes in numeric order, text classes in ordinal order.
        string[] classes = task != CdatTask.MulticlassClassification ? Array.Empty<string>()
            : numeric ? labels.Distinct().OrderBy(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()
            : labels.Distinct().Order(StringComparer.Ordinal).ToArray();
        var y = task switch
        {
            CdatTask.BinaryClassification => labels.Select(v => v.Equals("true", StringComparison.OrdinalIgnoreCase) ? 1f : 0f).ToArray(),
            CdatTask.MulticlassClassification => labels.Select(v => (float)Array.IndexOf(classes, v)).ToArray(),
            _ => labels.Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
        };
        return Split(name, task.Value, Math.Max(classes.Length, 2), x, y, featureColumns.Select(j => header[j]).ToArray(), seed, testFraction);
    }

    /// <summary>Seeded split (seed −1 keeps the given order); features standardised with the training rows' mean and (population) deviation; regression labels standardised too.</summary>
    private static SampleData Split(string name, CdatTask task, int classes, float[,] x, float[] y, string[] names, long seed, double testFraction)
    {
        using var scope = NewDisposeScope();
        int n = y.Length, test = (int)Math.Round(n * testFraction);
        // Scalars are created and disposed explicitly: TorchSharp's implicit ones can be finalized mid-call.
        using Scalar zero = 0L.ToScalar(), rows = ((long)n).ToScalar(), one = 1L.ToScalar();
        var order = seed < 0 ? torch.arange(zero, rows, one, ScalarType.Int64) : torch.randperm(n, generator: new Generator((ulong)seed));
        var all = torch.tensor(x).index_select(0, order);
        var labels = torch.tensor(y).index_select(0, order);
        var trainX = all.narrow(0, test, n - test);
        var mean = trainX.mean(new long[] { 0 });
        var std = trainX.std(0, unbiased: false);
        std = torch.where(std.gt(zero), std, torch.ones_like(std));
        Tensor Standardise(Tensor t) => (t - mean) / std;
        var trainY = labels.narrow(0, test, n - test);
        var testY = labels.narrow(0, 0, test);
        if (task == CdatTask.Regression)
        {
            var m = trainY.mean();
            var s = trainY.std(unbiased: false);
            (trainY, testY) = ((trainY - m) / s, (testY - m) / s);
        }
        else if (task == CdatTask.MulticlassClassification)
        {
            (trainY, testY) = (trainY.to(ScalarType.Int64), testY.to(ScalarType.Int64));
        }
        return new SampleData(name, task, classes,
            Standardise(trainX).DetachFromDisposeScope(), trainY.DetachFromDisposeScope(),
            Standardise(all.narrow(0, 0, test)).DetachFromDisposeScope(), testY.DetachFromDisposeScope(), names);
    }
}
