using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.TorchSharp;
using TorchSharp;

namespace Cdat.ML.SideBySideTests;

[TestClass]
public sealed class SideBySideTests
{
    private sealed class Row { [VectorType(3)] public float[] Features { get; set; } = []; public float Label { get; set; } public string Text { get; set; } = ""; public string Topic { get; set; } = ""; }

    [TestMethod]
    public void CdatTrainsAndATorchSharpCatalogEstimatorBuildsInOneApplication()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(2);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 200).Select(i =>
        {
            var x = new[] { (float)random.NextDouble(), (float)random.NextDouble(), (float)random.NextDouble() };
            return new Row { Features = x, Label = 2 * x[0] - x[2], Text = i % 2 == 0 ? "good" : "bad", Topic = i % 2 == 0 ? "a" : "b" };
        }).ToList());

        var cdat = ml.Regression.Trainers.Cdat(new CdatTrainer.Options { MaxEpochs = 50 }).Fit(data);
        var r2 = ml.Regression.Evaluate(cdat.Transform(data)).RSquared;
        Assert.IsTrue(r2 > 0.5, $"R² {r2:F3}");

        // Microsoft.ML.TorchSharp's estimator is built (its pretrained weights are fetched only when it is fitted).
        var text = ml.Transforms.Conversion.MapValueToKey("Label", "Topic")
            .Append(ml.MulticlassClassification.Trainers.TextClassification(labelColumnName: "Label", sentence1ColumnName: "Text"));
        Assert.IsNotNull(text);

        // Both packages run on the one TorchSharp the application resolved, the version Cdat.ML was built for or later.
        var torchSharp = typeof(torch).Assembly.GetName().Version!;
        Assert.IsTrue(torchSharp >= new Version(0, 107), $"TorchSharp {torchSharp}");
        var mlTorchSharp = typeof(Microsoft.ML.TorchSharp.TorchSharpCatalog).Assembly;
        var referenced = mlTorchSharp.GetReferencedAssemblies().Single(a => a.Name == "TorchSharp");
        Assert.IsTrue(referenced.Version <= torchSharp, $"Microsoft.ML.TorchSharp asks for {referenced.Version}, {torchSharp} loaded");
    }
}
