using System.Diagnostics;
using System.IO.Compression;
using Cdat.ML.Samples.Datasets;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Spectre.Console;

namespace Cdat.ML.Samples.Commands;

/// <summary>ML.NET's LightGbm and SDCA at their defaults on Fashion-MNIST's official split, pixels scaled to [0, 1], each fit timed.</summary>
internal static class FashionBaselines
{
    private sealed class Image
    {
        [VectorType(784)] public float[] Features = Array.Empty<float>();
        public float Class;
    }

    /// <summary>Fits each trainer on the first <paramref name="limit"/> (default all 60,000) training images; returns its test micro-accuracy and fit seconds.</summary>
    public static List<(string Name, double Accuracy, double Seconds)> Run(int? limit, long seed)
    {
        var ml = new MLContext(seed: (int)seed);
        var train = ml.Data.LoadFromEnumerable(Read("train", limit));
        var test = ml.Data.LoadFromEnumerable(Read("t10k", null));
        var label = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Image.Class), keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
        var trainers = new (string Name, IEstimator<ITransformer> Trainer)[]
        {
            ("ML.NET LightGbm (defaults: 100 iterations)", ml.MulticlassClassification.Trainers.LightGbm()),
            ("ML.NET SdcaMaximumEntropy (defaults)", ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()),
        };
        var results = new List<(string, double, double)>();
        foreach (var (name, trainer) in trainers)
        {
            AnsiConsole.Status().Start($"Fitting {Markup.Escape(name)}...", _ =>
            {
                var clock = Stopwatch.StartNew();
                var model = label.Append(trainer).Fit(train);
                clock.Stop();
                var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
                results.Add((name, metrics.MicroAccuracy, clock.Elapsed.TotalSeconds));
            });
        }
        return results;
    }

    /// <summary>
    /// Images and labels of one IDX pair ("train" or "t10k"), pixels / 255. Read here rather than from SampleData, whose
    /// features are standardised: the baselines see the [0, 1] pixels their published timings were measured on.
    /// </summary>
    private static Image[] Read(string part, int? limit)
    {
        using var images = Open($"{part}-images-idx3-ubyte.gz", 2051);
        using var labels = Open($"{part}-labels-idx1-ubyte.gz", 2049);
        int rows = Int32(images), pixels = Int32(images) * Int32(images);
        Int32(labels);
        if (limit is int l) rows = Math.Min(rows, l);
        var result = new Image[rows];
        for (int i = 0; i < rows; i++)
            result[i] = new Image { Features = images.ReadBytes(pixels).Select(b => b / 255f).ToArray(), Class = labels.ReadByte() };
        return result;
    }

    private static BinaryReader Open(string file, int magic)
    {
        var reader = new BinaryReader(new GZipStream(File.OpenRead(Path.Combine(FashionMnist.Folder, file)), CompressionMode.Decompress));
        if (Int32(reader) != magic) throw new InvalidDataException($"{file} is not an IDX file with magic number {magic}.");
        return reader;
    }

    private static int Int32(BinaryReader reader) => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(reader.ReadInt32());
}
