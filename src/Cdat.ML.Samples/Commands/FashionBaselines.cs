using System.Diagnostics;
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

    /// <summary>The images of one part ("train" or "t10k") as rows of [0, 1] pixels: the baselines' published timings were measured on these.</summary>
    private static Image[] Read(string part, int? limit)
    {
        var (pixels, labels, rows) = FashionMnist.Read(part, limit);
        var result = new Image[rows];
        for (int i = 0; i < rows; i++)
            result[i] = new Image { Features = pixels.AsSpan(i * FashionMnist.Pixels, FashionMnist.Pixels).ToArray(), Class = labels[i] };
        return result;
    }
}
