using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.MLNet;

/// <summary>Held-out quality with default options on the real data sets.</summary>
[TestClass]
public sealed class QualityTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void DigitsMulticlassAccuracyIsAtLeast95Percent()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = Datasets.Digits(ml);
        var model = Datasets.DigitsPrep(ml).Append(ml.MulticlassClassification.Trainers.Cdat()).Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        TestContext.WriteLine($"digits: micro accuracy {metrics.MicroAccuracy:F4}, macro {metrics.MacroAccuracy:F4}, log-loss {metrics.LogLoss:F4}; {model.LastTransformer.TrainingMetrics}");
        Assert.IsTrue(metrics.MicroAccuracy >= 0.95, $"accuracy {metrics.MicroAccuracy:F4}");
    }

    [TestMethod]
    public void BreastCancerBinaryAucIsAtLeast98Percent()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = Datasets.BreastCancer(ml);
        var model = Datasets.BreastCancerPrep(ml).Append(ml.BinaryClassification.Trainers.Cdat()).Fit(train);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        TestContext.WriteLine($"breast cancer: AUC {metrics.AreaUnderRocCurve:F4}, accuracy {metrics.Accuracy:F4}; {model.LastTransformer.TrainingMetrics}");
        Assert.IsTrue(metrics.AreaUnderRocCurve >= 0.98, $"AUC {metrics.AreaUnderRocCurve:F4}");
    }

    [TestMethod]
    public void DiabetesRegressionRSquaredIsAtLeast40PercentAcrossFiveHeldOutFolds()
    {
        // 442 rows: one 25% split swings R² by ±0.1, so the claim is made on 5-fold cross-validation.
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromTextFile(Datasets.PathOf("diabetes.csv"), new[]
        {
            new TextLoader.Column("Raw", DataKind.Single, 0, 9),
            new TextLoader.Column("Label", DataKind.Single, 10),
        }, separatorChar: ',', hasHeader: true);
        var folds = ml.Regression.CrossValidate(data, Datasets.DiabetesPrep(ml).Append(ml.Regression.Trainers.Cdat()), numberOfFolds: 5);
        double mean = folds.Average(f => f.Metrics.RSquared);
        TestContext.WriteLine($"diabetes: mean R² {mean:F4} over folds [{string.Join(", ", folds.Select(f => f.Metrics.RSquared.ToString("F3")))}]");
        Assert.IsTrue(mean >= 0.40, $"mean R² {mean:F4}");
    }
}
