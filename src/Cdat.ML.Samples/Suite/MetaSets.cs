using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Cdat.ML.Samples.Suite;

/// <summary>
/// The data sets of a folder with a <c>manifest.csv</c> (name, file, label, task, rows, features, categorical, source),
/// each featurised as an ML.NET user would: numbers mean-imputed and standardised, categories one-hot (a missing
/// category has no column of its own), binary labels true/false, multiclass labels mapped to keys.
/// </summary>
internal static class MetaSets
{
    /// <summary>The meta-benchmark shipped with the samples.</summary>
    public static string ShippedFolder => Path.Combine(AppContext.BaseDirectory, "data", "meta");

    private sealed class Entry
    {
        [LoadColumn(0)] public string Name { get; set; } = "";
        [LoadColumn(1)] public string File { get; set; } = "";
        [LoadColumn(2)] public string Label { get; set; } = "";
        [LoadColumn(3)] public string Task { get; set; } = "";
        [LoadColumn(4)] public float Rows { get; set; }
        [LoadColumn(5)] public float Features { get; set; }
        [LoadColumn(6)] public string Categorical { get; set; } = "";
        [LoadColumn(7)] public string Source { get; set; } = "";
    }

    /// <summary>
    /// Every set the manifest of <paramref name="folder"/> lists, in its order; without <paramref name="normalize"/>, numbers
    /// are mean-imputed but not standardised (a pipeline that forgets the normaliser).
    /// </summary>
    public static IReadOnlyList<SuiteSet> Read(string folder, bool normalize = true)
    {
        string manifest = Path.Combine(folder, "manifest.csv");
        if (!File.Exists(manifest))
            throw new FileNotFoundException($"--data: {folder} holds no manifest.csv (columns name, file, label, task, rows, features, categorical, source).", manifest);
        var ml = new MLContext(seed: 0);
        var entries = ml.Data.CreateEnumerable<Entry>(ml.Data.LoadFromTextFile<Entry>(manifest, separatorChar: ',', hasHeader: true, allowQuoting: true),
                                                      reuseRowObject: false).ToList();
        return entries.Select(e => FromEntry(folder, e, normalize)).ToList();
    }

    private static SuiteSet FromEntry(string folder, Entry e, bool normalize)
    {
        var task = e.Task switch
        {
            "binary" => CdatTask.BinaryClassification,
            "multiclass" => CdatTask.MulticlassClassification,
            "regression" => CdatTask.Regression,
            _ => throw new InvalidDataException($"manifest.csv, set '{e.Name}': task '{e.Task}' is not binary, multiclass or regression."),
        };
        string path = Path.Combine(folder, e.File);
        if (!File.Exists(path) && File.Exists(path + ".gz")) path += ".gz";
        if (!File.Exists(path)) throw new FileNotFoundException($"manifest.csv, set '{e.Name}': file {e.File} (or {e.File}.gz) is not in {folder}.", path);
        var categorical = e.Categorical.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        string description = string.Create(CultureInfo.InvariantCulture,
            $"{e.Rows:F0} rows × {e.Features:F0} features ({categorical.Count} categorical), label {e.Label}; {e.Source}");

        // Columns are named by position ("c3"), so that no header name can clash with Label or Features.
        string[] header = Header(path);
        int label = Array.IndexOf(header, e.Label);
        if (label < 0) throw new InvalidDataException($"manifest.csv, set '{e.Name}': label column '{e.Label}' is not in the header of {e.File}.");
        var unknown = categorical.Where(c => !header.Contains(c)).ToArray();
        if (unknown.Length > 0) throw new InvalidDataException($"manifest.csv, set '{e.Name}': categorical column(s) {string.Join(", ", unknown)} not in the header of {e.File}.");
        var numeric = Enumerable.Range(0, header.Length).Where(i => i != label && !categorical.Contains(header[i])).Select(i => $"c{i}").ToArray();
        var categories = Enumerable.Range(0, header.Length).Where(i => i != label && categorical.Contains(header[i])).Select(i => $"c{i}").ToArray();
        var columns = Enumerable.Range(0, header.Length).Where(i => i != label)
            .Select(i => new TextLoader.Column($"c{i}", categorical.Contains(header[i]) ? DataKind.String : DataKind.Single, i))
            .Append(new TextLoader.Column(task == CdatTask.MulticlassClassification ? "Class" : "Label",
                                          task switch { CdatTask.BinaryClassification => DataKind.Boolean, CdatTask.Regression => DataKind.Single, _ => DataKind.String }, label))
            .ToArray();

        return new SuiteSet(e.Name, task, description, (ml, seed, limit) =>
        {
            var data = ml.Data.LoadFromTextFile(SuiteSet.Unpacked(path), new TextLoader.Options
            {
                Columns = columns, HasHeader = true, Separators = new[] { ',' }, AllowQuoting = true, MissingRealsAsNaNs = true,
            });
            return SuiteSet.SplitRows(ml, data, seed, limit);
        }, ml => Featurize(ml, task, numeric, categories, normalize));
    }

    /// <summary>What an ML.NET user writes for such a table.</summary>
    private static IEstimator<ITransformer> Featurize(MLContext ml, CdatTask task, string[] numeric, string[] categories, bool normalize)
    {
        var steps = new List<IEstimator<ITransformer>>();
        if (task == CdatTask.MulticlassClassification) steps.Add(ml.Transforms.Conversion.MapValueToKey("Label", "Class"));
        var parts = new List<string>();
        if (numeric.Length > 0)
        {
            steps.Add(ml.Transforms.Concatenate("Numbers", numeric));
            steps.Add(ml.Transforms.ReplaceMissingValues("Numbers", replacementMode: MissingValueReplacingEstimator.ReplacementMode.Mean));
            if (normalize) steps.Add(ml.Transforms.NormalizeMeanVariance("Numbers"));
            parts.Add("Numbers");
        }
        if (categories.Length > 0)
        {
            steps.Add(ml.Transforms.Categorical.OneHotEncoding(categories.Select(c => new InputOutputColumnPair(c + "_onehot", c)).ToArray()));
            parts.AddRange(categories.Select(c => c + "_onehot"));
        }
        steps.Add(ml.Transforms.Concatenate("Features", parts.ToArray()));
        return steps.Skip(1).Aggregate(steps[0], (chain, next) => chain.Append(next));
    }

    /// <summary>The column names of a CSV file's header row (double quotes removed).</summary>
    private static string[] Header(string path)
    {
        using var reader = new StreamReader(SuiteSet.Unpacked(path));
        string line = reader.ReadLine() ?? throw new InvalidDataException($"{path} is empty.");
        return line.Split(',').Select(h => h.Trim().Trim('"')).ToArray();
    }
}
