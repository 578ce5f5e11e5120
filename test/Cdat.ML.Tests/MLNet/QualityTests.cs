using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.MLNet;

/// <summary>Held-out quality with default options on the real data sets.</summary>
[TestClass]
public sealed class QualityTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    [DataRow(4)]
    public void DigitsMulticlassAccuracyIsAtLeast92AndAHalfPercent(int seed)
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = Datasets.Digits(ml);
        var model = Datasets.DigitsPrep(ml).Append(ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = seed })).Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        TestContext.WriteLine($"digits seed {seed}: micro accuracy {metrics.MicroAccuracy:F4}, macro {metrics.MacroAccuracy:F4}, log-loss {metrics.LogLoss:F4}; {model.LastTransformer.TrainingMetrics}");
        // Seeds 0-4 measured 0.9618-0.9730 (two cores) with the defaults' held-out tenth, early stopping and robust input
        // scaling (0.9326-0.9551 with the features as given): the threshold sits below the worst of either. (Trained on every row for 300 steps, as before 0.2.0: 0.9528-0.9685.)
        Assert.IsTrue(metrics.MicroAccuracy >= 0.925, $"accuracy {metrics.MicroAccuracy:F4}");
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    [DataRow(4)]
    public void BreastCancerBinaryAucIsAtLeast97Percent(int seed)
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = Datasets.BreastCancer(ml);
        var model = Datasets.BreastCancerPrep(ml).Append(ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = seed })).Fit(train);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        TestContext.WriteLine($"breast cancer seed {seed}: AUC {metrics.AreaUnderRocCurve:F4}, accuracy {metrics.Accuracy:F4}; {model.LastTransformer.TrainingMetrics}");
        // Seeds 0-4 measured 0.9942-0.9961 with the defaults' held-out tenth, early stopping and robust input scaling
        // (0.9760-0.9894 with the features as given).
        Assert.IsTrue(metrics.AreaUnderRocCurve >= 0.97, $"AUC {metrics.AreaUnderRocCurve:F4}");
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    [DataRow(4)]
    [DataRow(5)]
    public void DiabetesRegressionRSquaredIsAtLeast40PercentAcrossFiveHeldOutFolds(int seed)
    {
        // 442 rows: one 25% split swings R² by ±0.1, so the claim is made on 5-fold cross-validation (folds and
        // initial weights drawn from the MLContext's seed).
        var ml = new MLContext(seed: seed);
        var data = ml.Data.LoadFromTextFile(Datasets.PathOf("diabetes.csv"), new[]
        {
            new TextLoader.Column("Raw", DataKind.Single, 0, 9),
            new TextLoader.Column("Label", DataKind.Single, 10),
        }, separatorChar: ',', hasHeader: true);
        var folds = ml.Regression.CrossValidate(data, Datasets.DiabetesPrep(ml).Append(ml.Regression.Trainers.Cdat()), numberOfFolds: 5);
        double mean = folds.Average(f => f.Metrics.RSquared);
        TestContext.WriteLine($"diabetes seed {seed}: mean R² {mean:F4} over folds [{string.Join(", ", folds.Select(f => f.Metrics.RSquared.ToString("F3")))}]");
        // Seeds 1-5 measured 0.4382-0.4721 with robust input scaling (0.4542-0.4879 with the features as given).
        Assert.IsTrue(mean >= 0.40, $"mean R² {mean:F4}");
    }
}
