using Cdat.ML.MLNet;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.MLNet;

[TestClass]
public sealed class ValidationMetricsTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void TheMetricsAreMLNetsDefinitions()
    {
        using var scope = NewDisposeScope();
        // AUC: positives score 0.9, 0.4, 0.4; negatives 0.4, 0.1 → pairs won 1 + 0.5 + 0.5... = (2 + 0.5 + 2 + 0.5 + 2 ... ) counted below.
        var auc = ValidationMetrics.For(CdatTask.BinaryClassification);
        double value = auc.Compute(tensor(new float[] { 0.9f, 0.4f, 0.4f, 0.4f, 0.1f }), tensor(new float[] { 1, 1, 1, 0, 0 }));
        // Positive-negative pairs: (0.9 vs 0.4, 0.1) 2 wins; each 0.4 positive: a tie with 0.4 (½) and a win over 0.1 → 1.5 each.
        Assert.AreEqual((2 + 1.5 + 1.5) / 6.0, value, 1e-12);
        Assert.AreEqual("AUC", auc.Name);
        Assert.IsTrue(double.IsNaN(auc.Compute(tensor(new float[] { 1f, 2f }), tensor(new float[] { 1, 1 }))), "one class: no AUC");

        var accuracy = ValidationMetrics.For(CdatTask.MulticlassClassification);
        Assert.AreEqual(2 / 3.0, accuracy.Compute(tensor(new float[,] { { 1, 0 }, { 0, 1 }, { 3, 2 } }), tensor(new long[] { 0, 1, 1 })), 1e-12);

        var r2 = ValidationMetrics.For(CdatTask.Regression);
        Assert.AreEqual(1 - 0.5 / 2.0, r2.Compute(tensor(new float[,] { { 0.5f }, { 1f }, { 2.5f } }), tensor(new float[,] { { 0 }, { 1 }, { 2 } })), 1e-6);
    }

    [TestMethod]
    public void TheTrainerReportsTheMetricAndCanStopOnIt()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = Datasets.BreastCancer(ml);
        var prep = Datasets.BreastCancerPrep(ml).Fit(train);
        IDataView fit = prep.Transform(train), validation = prep.Transform(test);
        var onLoss = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 120 }).Fit(fit, validation);
        var onMetric = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 120, EarlyStoppingOnMetric = true }).Fit(fit, validation);
        TestContext.WriteLine($"{onLoss.TrainingMetrics}\n{onMetric.TrainingMetrics}");
        var checks = onLoss.TrainingTrace.Where(r => r.ValidationLoss is not null).ToArray();
        Assert.IsTrue(checks.Length > 0 && checks.All(r => r.ValidationMetric is double m && m >= 0 && m <= 1));
        Assert.AreEqual("AUC", onLoss.TrainingMetrics.ValidationMetricName);
        // Kept: the lowest validation loss, or the highest AUC, of the checks.
        Assert.AreEqual(checks.Min(r => r.ValidationLoss!.Value), onLoss.TrainingMetrics.ValidationLoss!.Value, 1e-12);
        var metricChecks = onMetric.TrainingTrace.Where(r => r.ValidationMetric is not null).ToArray();
        Assert.AreEqual(metricChecks.Max(r => r.ValidationMetric!.Value), onMetric.TrainingMetrics.ValidationMetric!.Value, 1e-12);
        // The metric is ML.NET's AUC of the kept model on those rows.
        double evaluated = ml.BinaryClassification.Evaluate(onMetric.Transform(validation)).AreaUnderRocCurve;
        Assert.AreEqual(evaluated, onMetric.TrainingMetrics.ValidationMetric!.Value, 1e-3);
        StringAssert.Contains(onMetric.TrainingMetrics.ToString(), "(AUC ");
        // It is saved with the model.
        var copy = CdatModelParameters.FromBytes(onMetric.Model.ToBytes());
        Assert.AreEqual(onMetric.TrainingMetrics.ValidationMetric, copy.TrainingMetrics.ValidationMetric);
        Assert.AreEqual("AUC", copy.TrainingMetrics.ValidationMetricName);
    }
}
