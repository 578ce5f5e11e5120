using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.MLNet;

/// <summary><c>Options.ExampleWeightColumnName</c>: weighted loss and validation loss on every data path, rows of weight 0 left out.</summary>
[TestClass]
public sealed class ExampleWeightTests
{
    public TestContext TestContext { get; set; } = null!;

    private sealed class BinaryRow { [VectorType(6)] public float[] Features { get; set; } = []; public bool Label { get; set; } public float Weight { get; set; } }
    private sealed class RegressionRow { [VectorType(6)] public float[] Features { get; set; } = []; public float Label { get; set; } public float Weight { get; set; } }
    private sealed class ClassRow { [VectorType(6)] public float[] Features { get; set; } = []; public float Label { get; set; } public float Weight { get; set; } }
    private sealed class WideRow { [VectorType(WideWidth)] public float[] Features { get; set; } = []; public bool Label { get; set; } public float Weight { get; set; } }
    private sealed class DoubleWeightRow { [VectorType(6)] public float[] Features { get; set; } = []; public bool Label { get; set; } public double Weight { get; set; } }

    private const int WideWidth = 5000;

    private static float[] Gaussian(Random random, int n) =>
        Enumerable.Range(0, n).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();

    /// <summary>
    /// Rows whose weights vary (1 or 2, so targets are packed with them), and, with <paramref name="zeros"/>, a row of
    /// weight 0 with a contradicting label after every third row.
    /// </summary>
    private static List<(float[] X, float Signal, float Weight)> Rows(int n, int seed, bool zeros, int width = 6)
    {
        var random = new Random(seed);
        var noiseRandom = new Random(seed + 1000);
        var rows = new List<(float[], float, float)>();
        for (int i = 0; i < n; i++)
        {
            var x = width == 6 ? Gaussian(random, 6) : Sparse(random);
            float signal = x[0] - x[1] + 0.5f * x[2] + 0.3f * Gaussian(random, 1)[0];
            rows.Add((x, signal, i % 4 == 0 ? 2f : 1f));
            if (zeros && i % 3 == 0)
            {
                var noise = width == 6 ? Gaussian(noiseRandom, 6) : Sparse(noiseRandom);
                rows.Add((noise, -10 * noise[0] + 5, 0f));
            }
        }
        return rows;

        float[] Sparse(Random r)
        {
            var x = new float[width];
            x[0] = (float)r.NextDouble() * 2 - 1;
            x[1] = (float)r.NextDouble() * 2 - 1;
            x[2] = (float)r.NextDouble() * 2 - 1;
            for (int k = 0; k < 20; k++) x[r.Next(3, width)] = 1;
            return x;
        }
    }

    private static float[] ModelWeights(CdatTransformer model) => model.Model.Network.Layers.SelectMany(l => l.Weight.Concat(l.Bias)).ToArray();

    private static CdatTransformer FitBinary(MLContext ml, CdatTrainer.Options options, bool zeros) =>
        ml.BinaryClassification.Trainers.Cdat(options).Fit(ml.Data.LoadFromEnumerable(
            Rows(300, 7, zeros).Select(r => new BinaryRow { Features = r.X, Label = r.Signal > 0, Weight = r.Weight })));

    private static CdatTransformer FitClasses(MLContext ml, CdatTrainer.Options options, bool zeros)
    {
        var data = ml.Data.LoadFromEnumerable(Rows(300, 8, zeros).Select(r => new ClassRow { Features = r.X, Label = r.Signal < -0.5f ? 0 : r.Signal < 0.5f ? 1 : 2, Weight = r.Weight }));
        // Keys by value, so that the rows of weight 0 cannot change the class order.
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(data).Transform(data);
        return ml.MulticlassClassification.Trainers.Cdat(options).Fit(keyed);
    }

    private static CdatTransformer FitRegression(MLContext ml, CdatTrainer.Options options, bool zeros) =>
        ml.Regression.Trainers.Cdat(options).Fit(ml.Data.LoadFromEnumerable(
            Rows(300, 9, zeros).Select(r => new RegressionRow { Features = r.X, Label = 3 * r.Signal + 1, Weight = r.Weight })));

    private static CdatTransformer FitWide(MLContext ml, CdatTrainer.Options options, bool zeros) =>
        ml.BinaryClassification.Trainers.Cdat(options).Fit(ml.Data.LoadFromEnumerable(
            Rows(240, 10, zeros, WideWidth).Select(r => new WideRow { Features = r.X, Label = r.Signal > 0, Weight = r.Weight })));

    [TestMethod]
    [DataRow("full batch")]
    [DataRow("mini-batch")]
    [DataRow("streamed")]
    [DataRow("sparse")]
    public void RowsOfWeightZeroHaveNoInfluence(string path)
    {
        var ml = new MLContext(seed: 1);
        CdatTrainer.Options Options() => path switch
        {
            "full batch" => new() { Seed = 2, MaxSteps = 40, ExampleWeightColumnName = "Weight" },
            "mini-batch" => new() { Seed = 2, MaxEpochs = 3, BatchSize = 32, ExampleWeightColumnName = "Weight" },
            "streamed" => new() { Seed = 2, MaxEpochs = 3, BatchSize = 32, MemoryBudgetBytes = 2048, ExampleWeightColumnName = "Weight" },
            _ => new() { Seed = 2, MaxSteps = 20, ExampleWeightColumnName = "Weight" },
        };
        Func<MLContext, CdatTrainer.Options, bool, CdatTransformer> fit = path switch
        {
            "full batch" => FitBinary,
            "mini-batch" => FitClasses,
            "streamed" => FitRegression,
            _ => FitWide,
        };
        var without = fit(ml, Options(), false);
        var with = fit(ml, Options(), true);
        TestContext.WriteLine(with.TrainingMetrics.ToString());
        StringAssert.Contains(with.TrainingMetrics.Regime.Description, "rows weighted by 'Weight'");
        // Streamed rows hold nothing out (300 rows in memory would hold 30 out).
        if (path == "streamed") Assert.AreEqual(0, with.TrainingMetrics.Regime.ValidationRows);
        if (path == "sparse") StringAssert.Contains(with.TrainingMetrics.Regime.Description, "sparse features");
        Assert.AreEqual(without.TrainingMetrics.Regime.TrainingRows, with.TrainingMetrics.Regime.TrainingRows);
        CollectionAssert.AreEqual(ModelWeights(without), ModelWeights(with));
    }

    [TestMethod]
    public void EqualWeightsTrainExactlyAsNoWeights()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(300, 6, zeros: false).Select(r => new BinaryRow { Features = r.X, Label = r.Signal > 0, Weight = 2.5f }));
        foreach (int? batch in new int?[] { null, 64 })
        {
            var plain = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 4, MaxSteps = 50, BatchSize = batch }).Fit(data);
            var weighted = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 4, MaxSteps = 50, BatchSize = batch, ExampleWeightColumnName = "Weight" }).Fit(data);
            CollectionAssert.AreEqual(ModelWeights(plain), ModelWeights(weighted), $"batch {batch}");
            Assert.AreEqual(plain.TrainingMetrics.ValidationLoss, weighted.TrainingMetrics.ValidationLoss);
            Assert.IsNotNull(weighted.TrainingMetrics.ValidationLoss, "a tenth held out");
        }
    }

    [TestMethod]
    public void HeavierRowsPullTheFitTowardTheirLabels()
    {
        // Labels 0 and 10 on features that say nothing of them: the best fit is the (weighted) mean label.
        var random = new Random(3);
        var rows = Enumerable.Range(0, 400).Select(i => new RegressionRow { Features = Gaussian(random, 6), Label = i % 2 == 0 ? 0f : 10f, Weight = i % 2 == 0 ? 1f : 3f }).ToArray();
        var fresh = Enumerable.Range(0, 200).Select(_ => new RegressionRow { Features = Gaussian(random, 6) }).ToArray();
        double MeanPrediction(string? weight)
        {
            var ml = new MLContext(seed: 1);
            var model = ml.Regression.Trainers.Cdat(exampleWeightColumnName: weight, hiddenLayers: []).Fit(ml.Data.LoadFromEnumerable(rows));
            return ml.Data.CreateEnumerable<Scored>(model.Transform(ml.Data.LoadFromEnumerable(fresh)), false).Average(s => s.Score);
        }
        double unweighted = MeanPrediction(null), weighted = MeanPrediction("Weight");
        TestContext.WriteLine($"mean prediction: unweighted {unweighted:F3}, weights 1:3 {weighted:F3} (weighted mean label 7.5)");
        Assert.AreEqual(5.0, unweighted, 1.0);
        Assert.AreEqual(7.5, weighted, 1.0);
    }

    private sealed class Scored { public float Score { get; set; } }

    [TestMethod]
    public void TheValidationLossIsTheWeightedMeanOfTheKeptModel()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Rows(300, 11, zeros: false).Select(r => new BinaryRow { Features = r.X, Label = r.Signal > 0, Weight = r.Weight }));
        var validationRows = Rows(150, 12, zeros: true).Select(r => new BinaryRow { Features = r.X, Label = r.Signal > 0, Weight = r.Weight }).ToArray();
        var validation = ml.Data.LoadFromEnumerable(validationRows);
        var model = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 5, MaxSteps = 60, ExampleWeightColumnName = "Weight" }).Fit(train, validation);
        var scores = ml.Data.CreateEnumerable<Scored>(model.Transform(validation), false).Select(s => (double)s.Score).ToArray();
        double sum = 0, weights = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            double z = scores[i], y = validationRows[i].Label ? 1 : 0;
            // log(1 + e^z) − y·z, stably.
            double loss = Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z))) - y * z;
            sum += validationRows[i].Weight * loss;
            weights += validationRows[i].Weight;
        }
        double expected = sum / weights;
        TestContext.WriteLine($"validation loss {model.TrainingMetrics.ValidationLoss:G6}, weighted mean of the kept model {expected:G6}");
        Assert.AreEqual(expected, model.TrainingMetrics.ValidationLoss!.Value, 1e-4 * expected);
        // Rows of weight 0 are not validation rows either.
        Assert.AreEqual(validationRows.Count(r => r.Weight > 0), model.TrainingMetrics.Regime.ValidationRows);
    }

    [TestMethod]
    [DataRow(-1f, "-1")]
    [DataRow(float.NaN, "NaN")]
    [DataRow(float.PositiveInfinity, "Infinity")]
    public void BadWeightsAreRejectedWithTheirRow(float bad, string shown)
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(100, 13, zeros: false).Select(r => new BinaryRow { Features = r.X, Label = r.Signal > 0, Weight = r.Weight }).ToArray();
        rows[41].Weight = bad;
        var trainer = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { MaxSteps = 5, ExampleWeightColumnName = "Weight" });
        var error = Assert.ThrowsExactly<InvalidDataException>(() => trainer.Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(error.Message, "Row 42 of the training data");
        StringAssert.Contains(error.Message, "'Weight'");
        StringAssert.Contains(error.Message, shown);
    }

    [TestMethod]
    public void MissingOrMistypedWeightColumnsAreNamed()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(60, 14, zeros: false);
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => new BinaryRow { Features = r.X, Label = r.Signal > 0, Weight = r.Weight }));
        var missing = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { MaxSteps = 5, ExampleWeightColumnName = "Importance" });
        var error = Assert.ThrowsExactly<ArgumentException>(() => missing.Fit(data));
        Assert.AreEqual("exampleWeightColumnName", error.ParamName);
        StringAssert.Contains(error.Message, "'Importance'");
        Assert.AreEqual("exampleWeightColumnName", Assert.ThrowsExactly<ArgumentException>(() => missing.GetOutputSchema(ShapeOf(data.Schema))).ParamName);

        var doubles = ml.Data.LoadFromEnumerable(rows.Select(r => new DoubleWeightRow { Features = r.X, Label = r.Signal > 0, Weight = r.Weight }));
        var typed = Assert.ThrowsExactly<ArgumentException>(() => ml.BinaryClassification.Trainers.Cdat(exampleWeightColumnName: "Weight").Fit(doubles));
        StringAssert.Contains(typed.Message, "ConvertType");

        // A validation set without the column is named by its role.
        var unweighted = ml.Data.LoadFromEnumerable(rows.Select(r => new ClassRowless { Features = r.X, Label = r.Signal > 0 }));
        var noColumn = Assert.ThrowsExactly<ArgumentException>(() => ml.BinaryClassification.Trainers.Cdat(exampleWeightColumnName: "Weight").Fit(data, unweighted));
        StringAssert.Contains(noColumn.Message, "validation data has no example weight column 'Weight'");

        // Nothing left to train on.
        var zeros = ml.Data.LoadFromEnumerable(rows.Select(r => new BinaryRow { Features = r.X, Label = r.Signal > 0, Weight = 0 }));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ml.BinaryClassification.Trainers.Cdat(exampleWeightColumnName: "Weight").Fit(zeros)).Message,
            "no rows of example weight > 0");
        Assert.AreEqual("ExampleWeightColumnName", Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { ExampleWeightColumnName = " " })).ParamName);
    }

    // ML.NET builds a SchemaShape from a schema internally only.
    private static SchemaShape ShapeOf(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;

    private sealed class ClassRowless { [VectorType(6)] public float[] Features { get; set; } = []; public bool Label { get; set; } }
}
