using Cdat.ML.Samples.Datasets;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Cdat.ML.Samples.Suite;

/// <summary>
/// One benchmark data set as an ML.NET user meets it: raw rows split once with a seed, and the preprocessing a user would
/// write (one-hot categories, <c>FeaturizeText</c>, standardised numbers) producing <c>Features</c> and <c>Label</c>.
/// </summary>
/// <param name="Name">Short name (<c>--sets</c>).</param>
/// <param name="Task">What is predicted.</param>
/// <param name="Description">Rows, features and label, for the report.</param>
/// <param name="Split">Train and test data for a seed (subsets of at most the given rows when set).</param>
/// <param name="Prep">The preprocessing, fitted on the training part.</param>
internal sealed record SuiteSet(string Name, CdatTask Task, string Description,
                                Func<MLContext, int, int?, (IDataView Train, IDataView Test)> Split,
                                Func<MLContext, IEstimator<ITransformer>> Prep)
{
    /// <summary>
    /// The sets <c>--sets</c> names (all of <paramref name="all"/> when null), in their order in <paramref name="all"/>;
    /// "news@200" is a set cut to 200 training rows, a small-data case of its own.
    /// </summary>
    internal static List<SuiteSet> Pick(IReadOnlyList<SuiteSet> all, string? names)
    {
        if (names is null) return all.ToList();
        var wanted = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = wanted.Where(n => all.All(s => s.Name != n.Split('@')[0])).ToArray();
        if (unknown.Length > 0) throw new ArgumentException($"--sets: unknown data set(s) {string.Join(", ", unknown)}; known: {string.Join(", ", all.Select(s => s.Name))}.");
        var picked = new List<SuiteSet>();
        foreach (var set in all)
            foreach (string name in wanted.Where(n => n.Split('@')[0] == set.Name))
            {
                var parts = name.Split('@');
                if (parts.Length == 1) picked.Add(set);
                else if (parts.Length == 2 && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int cut) && cut > 10)
                    picked.Add(set with { Name = name, Split = (ml, seed, _) => set.Split(ml, seed, cut) });
                else throw new ArgumentException($"--sets: '{name}' is not a set or set@rows (rows above 10).");
            }
        return picked;
    }

    /// <summary>A shipped file (see <see cref="Unpacked"/>).</summary>
    private static string PathOf(string file) => Unpacked(Path.Combine(AppContext.BaseDirectory, "data", file));

    /// <summary>The file itself, or for a gzipped one (kept small in the repository) its content, unpacked once to the temporary folder.</summary>
    internal static string Unpacked(string path)
    {
        if (!path.EndsWith(".gz", StringComparison.Ordinal)) return path;
        string unpacked = Path.Combine(Path.GetTempPath(), $"cdat-{new FileInfo(path).Length}-{Path.GetFileName(path)[..^3]}");
        if (!File.Exists(unpacked))
        {
            string partial = unpacked + "." + Environment.ProcessId;
            using (var source = new System.IO.Compression.GZipStream(File.OpenRead(path), System.IO.Compression.CompressionMode.Decompress))
            using (var target = File.Create(partial))
                source.CopyTo(target);
            File.Move(partial, unpacked, overwrite: true);
        }
        return unpacked;
    }

    /// <summary>Every set, in report order; Fashion-MNIST only when its Debian package is installed.</summary>
    public static IReadOnlyList<SuiteSet> All { get; } = new[]
    {
        Csv("digits", CdatTask.MulticlassClassification, "digits.csv", "1797 × 64 pixel counts, 10 classes",
            new[] { new TextLoader.Column("Pixels", DataKind.Single, 0, 63), new TextLoader.Column("Digit", DataKind.Single, 64) },
            ml => ml.Transforms.Conversion.MapValueToKey("Label", "Digit").Append(ml.Transforms.NormalizeMeanVariance("Features", "Pixels"))),
        Csv("breast-cancer", CdatTask.BinaryClassification, "breast_cancer.csv", "569 × 30 measurements, benign or not",
            new[] { new TextLoader.Column("Measurements", DataKind.Single, 0, 29), new TextLoader.Column("Label", DataKind.Boolean, 30) },
            ml => ml.Transforms.NormalizeMeanVariance("Features", "Measurements")),
        Csv("diabetes", CdatTask.Regression, "diabetes.csv", "442 × 10 raw measurements, disease progression",
            new[] { new TextLoader.Column("Raw", DataKind.Single, 0, 9), new TextLoader.Column("Label", DataKind.Single, 10) },
            ml => ml.Transforms.NormalizeMeanVariance("Features", "Raw")),
        Adult(),
        Csv("bike-sharing", CdatTask.Regression, "bike_sharing_hourly.csv", "17379 hours × 12 calendar and weather columns, rentals per hour",
            new[] { new TextLoader.Column("Numbers", DataKind.Single, 1, 12), new TextLoader.Column("Label", DataKind.Single, 13) },
            ml => ml.Transforms.NormalizeMeanVariance("Features", "Numbers")),
        Csv("covertype", CdatTask.MulticlassClassification, "covertype_93k.csv.gz", "92962 × 54 (10 measurements, 44 indicators), 7 classes, imbalanced",
            new[] { new TextLoader.Column("Numbers", DataKind.Single, 0, 53), new TextLoader.Column("CoverType", DataKind.Single, 54) },
            ml => ml.Transforms.Conversion.MapValueToKey("Label", "CoverType").Append(ml.Transforms.NormalizeMeanVariance("Features", "Numbers"))),
        Text("sms-spam", CdatTask.BinaryClassification, "sms_spam.csv", "5574 text messages through FeaturizeText, spam or not",
            ml => ml.Transforms.Conversion.MapValue("Label", new[] { KeyValuePair.Create("ham", false), KeyValuePair.Create("spam", true) }, "Class")
                .Append(ml.Transforms.Text.FeaturizeText("Features", "Text"))),
        Text("news", CdatTask.MulticlassClassification, "news_headlines.csv", "5000 headlines through FeaturizeText, 4 topics",
            ml => ml.Transforms.Conversion.MapValueToKey("Label", "Class").Append(ml.Transforms.Text.FeaturizeText("Features", "Text"))),
        Fashion(),
    };

    private static SuiteSet Csv(string name, CdatTask task, string file, string description, TextLoader.Column[] columns,
                                Func<MLContext, IEstimator<ITransformer>> prep, bool quoted = false) =>
        new(name, task, description, (ml, seed, limit) =>
        {
            var data = ml.Data.LoadFromTextFile(PathOf(file), columns, separatorChar: ',', hasHeader: true, allowQuoting: quoted);
            return SplitRows(ml, data, seed, limit);
        }, prep);

    private static SuiteSet Text(string name, CdatTask task, string file, string description, Func<MLContext, IEstimator<ITransformer>> prep) =>
        Csv(name, task, file, description,
            new[] { new TextLoader.Column("Class", DataKind.String, 0), new TextLoader.Column("Text", DataKind.String, 1) }, prep, quoted: true);

    private static SuiteSet Adult()
    {
        string[] numeric = { "age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week" };
        string[] categorical = { "workclass", "education", "marital_status", "occupation", "relationship", "race", "sex", "native_country" };
        int[] numericAt = { 0, 2, 4, 10, 11, 12 }, categoricalAt = { 1, 3, 5, 6, 7, 8, 9, 13 };
        var columns = numeric.Select((n, i) => new TextLoader.Column(n, DataKind.Single, numericAt[i]))
            .Concat(categorical.Select((n, i) => new TextLoader.Column(n, DataKind.String, categoricalAt[i])))
            .Append(new TextLoader.Column("income", DataKind.String, 14)).ToArray();
        return Csv("adult", CdatTask.BinaryClassification, "adult.csv", "32561 people × 6 numbers and 8 categories (one-hot, missing = own category), income > 50K",
            columns, ml => ml.Transforms.Conversion.MapValue("Label", new[] { KeyValuePair.Create("<=50K", false), KeyValuePair.Create(">50K", true) }, "income")
                .Append(ml.Transforms.Concatenate("Numbers", numeric))
                .Append(ml.Transforms.NormalizeMeanVariance("Numbers"))
                .Append(ml.Transforms.Categorical.OneHotEncoding(categorical.Select(c => new InputOutputColumnPair(c + "_onehot", c)).ToArray()))
                .Append(ml.Transforms.Concatenate("Features", categorical.Select(c => c + "_onehot").Prepend("Numbers").ToArray())));
    }

    private sealed class Image
    {
        [VectorType(FashionMnist.Pixels)] public float[] Pixels = Array.Empty<float>();
        public float Class;
    }

    private static SuiteSet Fashion() => new("fashion-mnist", CdatTask.MulticlassClassification,
        "Fashion-MNIST 60000 + 10000 images × 784 pixels in [0, 1] (official split), 10 classes", (ml, seed, limit) =>
        {
            IDataView Part(string part, int? rows)
            {
                var (pixels, labels, count) = FashionMnist.Read(part, rows);
                return ml.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(i => new Image
                {
                    Pixels = pixels.AsSpan(i * FashionMnist.Pixels, FashionMnist.Pixels).ToArray(), Class = labels[i],
                }).ToArray());
            }
            return (Part("train", limit), Part("t10k", limit is int l ? Math.Max(l / 2, 1) : null));
        },
        ml => ml.Transforms.Conversion.MapValueToKey("Label", "Class", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.NormalizeMeanVariance("Features", "Pixels")));

    /// <summary>A seeded 80/20 split; with <paramref name="limit"/>, at most that many training rows and half as many test rows.</summary>
    internal static (IDataView, IDataView) SplitRows(MLContext ml, IDataView data, int seed, int? limit)
    {
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: seed);
        if (limit is not int l) return (split.TrainSet, split.TestSet);
        return (ml.Data.TakeRows(ml.Data.ShuffleRows(split.TrainSet, seed), l), ml.Data.TakeRows(ml.Data.ShuffleRows(split.TestSet, seed), Math.Max(l / 2, 1)));
    }
}
