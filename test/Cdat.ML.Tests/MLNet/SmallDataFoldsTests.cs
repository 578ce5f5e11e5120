using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.MLNet;

/// <summary><see cref="CdatTrainer.Options.SmallDataFolds"/>: data too small to hold a tenth out trains an ensemble of fold networks.</summary>
[TestClass]
public sealed class SmallDataFoldsTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void EachFoldStopsOnItsOwnRowsAndTheModelAveragesThem()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = Datasets.BreastCancer(ml);
        var prep = Datasets.BreastCancerPrep(ml).Fit(train);
        var small = ml.Data.TakeRows(prep.Transform(train), 150);
        var options = new CdatTrainer.Options { Seed = 4, SmallDataFolds = 5, EarlyStoppingPatience = 3 };
        var model = ml.BinaryClassification.Trainers.Cdat(options).Fit(small);
        TestContext.WriteLine(model.TrainingMetrics.ToString());
        StringAssert.Contains(model.TrainingMetrics.Regime.Description, "5-fold ensemble");
        Assert.AreEqual(5 * 64, model.Model.Network.Layers[0].Outputs, "five 64-unit networks side by side");
        Assert.IsTrue(model.Model.Network.IsFinite());
        // Each fold stops on its own held-out rows (patience 3, checked every 10 steps): far short of the 300-step budget.
        Assert.IsTrue(model.TrainingTrace.Count < 300, $"{model.TrainingTrace.Count} steps");
        var auc = ml.BinaryClassification.Evaluate(model.Transform(prep.Transform(test))).AreaUnderRocCurve;
        Assert.IsTrue(auc > 0.9, $"AUC {auc:F4}");

        // Off, the same rows train one network for the whole budget, and a patience is refused: nothing is held out.
        var one = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 4, SmallDataFolds = 0 }).Fit(small);
        Assert.AreEqual(64, one.Model.Network.Layers[0].Outputs);
        Assert.AreEqual("EarlyStoppingPatience", Assert.ThrowsExactly<ArgumentException>(
            () => ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { SmallDataFolds = 0, EarlyStoppingPatience = 3 }).Fit(small)).ParamName);
    }

    [TestMethod]
    [DataRow("SmallDataRows")]
    [DataRow("ValidationFraction")]
    public void OneNetworkHoldsATenthOutAboveSmallDataRowsOrForAHoldoutOfTheUsers(string option)
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = Datasets.BreastCancer(ml);
        var data = Datasets.BreastCancerPrep(ml).Fit(train).Transform(train);
        var options = new CdatTrainer.Options { Seed = 4, SmallDataFolds = 5, MaxSteps = 20 };
        switch (option)
        {
            case "SmallDataRows": options.SmallDataRows = 300; break;          // the set has about 450 rows
            default: options.ValidationFraction = 0.25; break;                  // a holdout of the user's own
        }
        var model = ml.BinaryClassification.Trainers.Cdat(options).Fit(data);
        Assert.AreEqual(64, model.Model.Network.Layers[0].Outputs);
        Assert.IsTrue(model.TrainingMetrics.Regime.ValidationRows > 0);
        // At its default the same rows train the ensemble.
        var folds = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 4, MaxSteps = 20 }).Fit(data);
        Assert.AreEqual(5 * 64, folds.Model.Network.Layers[0].Outputs);
    }

    [TestMethod]
    public void ABatchSizeTheUserSetsIsTheFoldsOwn()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = Datasets.BreastCancer(ml);
        var data = Datasets.BreastCancerPrep(ml).Fit(train).Transform(train);   // about 450 rows: the ensemble's by default
        var model = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 4, BatchSize = 64, MaxSteps = 20 }).Fit(data);
        Assert.AreEqual(5 * 64, model.Model.Network.Layers[0].Outputs, "still five fold networks");
        StringAssert.Contains(model.TrainingMetrics.Regime.Description, "in mini-batches of 64");
        Assert.AreEqual(0, model.TrainingMetrics.Regime.ValidationRows, "every row trains a fold: none is held out from all of them");
        // The first fold's steps read batches of 64 of its four fifths (about 360 rows), several epochs in 20 steps.
        Assert.IsTrue(model.TrainingTrace.All(r => r.BatchRows <= 64), string.Join(",", model.TrainingTrace.Select(r => r.BatchRows).Distinct()));
        Assert.IsTrue(model.TrainingTrace[^1].Epoch >= 2, $"epoch {model.TrainingTrace[^1].Epoch}");
        Assert.IsTrue(model.Model.Network.IsFinite());
    }

    [TestMethod]
    public void AClassifiersEnsembleIsTemperedOnItsOutOfFoldLogitsUnlessTurnedOff()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = Datasets.BreastCancer(ml);
        var prep = Datasets.BreastCancerPrep(ml).Fit(train);
        var small = ml.Data.TakeRows(prep.Transform(train), 150);
        var check = prep.Transform(test);
        CdatTransformer Train(bool? temper) => ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 4, TemperatureScaling = temper }).Fit(small);
        var byDefault = Train(null);
        var plain = Train(false);
        StringAssert.Contains(byDefault.TrainingMetrics.Regime.Description, "probabilities tempered on the out-of-fold logits (T ");
        StringAssert.DoesNotMatch(plain.TrainingMetrics.Regime.Description, new System.Text.RegularExpressions.Regex("tempered"));
        // The same folds, their merged logits scaled by one factor: the ranking stays, the probabilities move.
        float[] Scores(ITransformer m) => m.Transform(check).GetColumn<float>("Score").ToArray();
        var ratios = Scores(byDefault).Zip(Scores(plain)).Where(p => Math.Abs(p.Second) > 1).Select(p => (double)p.First / p.Second).ToArray();
        Assert.IsTrue(ratios.Length > 10);
        Assert.AreEqual(ratios.Min(), ratios.Max(), 1e-3 * Math.Abs(ratios.Average()), "one factor on every row's logit");
        Assert.AreNotEqual(1.0, ratios.Average(), 1e-3, "a temperature was fitted");
        Assert.AreEqual(ml.BinaryClassification.Evaluate(plain.Transform(check)).AreaUnderRocCurve,
                        ml.BinaryClassification.Evaluate(byDefault.Transform(check)).AreaUnderRocCurve, 1e-9);
        Assert.AreNotEqual(ml.BinaryClassification.Evaluate(plain.Transform(check)).LogLoss, ml.BinaryClassification.Evaluate(byDefault.Transform(check)).LogLoss);
    }

    [TestMethod]
    public void AMulticlassEnsembleIsTemperedTooAndTemperatureScalingKeepsTheEnsemble()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = Datasets.Digits(ml);
        var prep = Datasets.DigitsPrep(ml).Fit(train);
        var small = ml.Data.TakeRows(prep.Transform(train), 300);   // 300 rows: the ensemble's, where a tenth could be held out
        var check = prep.Transform(test);
        CdatTransformer Train(bool? temper) => ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 3, MaxSteps = 60, TemperatureScaling = temper }).Fit(small);
        var tempered = Train(true);
        var plain = Train(false);
        // True no longer holds rows out on small data: the folds' own held-out logits serve.
        Assert.AreEqual(5 * 64, tempered.Model.Network.Layers[0].Outputs);
        Assert.AreEqual(0, tempered.TrainingMetrics.Regime.ValidationRows);
        StringAssert.Contains(tempered.TrainingMetrics.Regime.Description, "tempered on the out-of-fold logits");
        uint[] Labels(ITransformer m) => m.Transform(check).GetColumn<uint>("PredictedLabel").ToArray();
        CollectionAssert.AreEqual(Labels(plain), Labels(tempered), "one temperature keeps every row's class");
        Assert.AreNotEqual(ml.MulticlassClassification.Evaluate(plain.Transform(check)).LogLoss, ml.MulticlassClassification.Evaluate(tempered.Transform(check)).LogLoss);
    }

    [TestMethod]
    public void AnEnsembleCancelledAfterItsFirstFoldKeepsTheFoldsItFinished()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = Datasets.BreastCancer(ml);
        var prep = Datasets.BreastCancerPrep(ml).Fit(train);
        using var cts = new CancellationTokenSource();
        int runs = 0;
        // Step 1 comes once per fold: cancel a few steps into the third fold.
        var options = new CdatTrainer.Options
        {
            Seed = 4, CancellationToken = cts.Token,
            Progress = new PipelineTests.Inline(r => { if (r.Step == 1) runs++; if (runs == 3 && r.Step == 5) cts.Cancel(); }),
        };
        var model = ml.BinaryClassification.Trainers.Cdat(options).Fit(prep.Transform(train));
        Assert.AreEqual("Cancelled", model.TrainingMetrics.StopReason);
        Assert.AreEqual(2 * 64, model.Model.Network.Layers[0].Outputs, "the two finished folds, not the third's five steps");
        StringAssert.Contains(model.TrainingMetrics.Regime.Description, "2 networks");
        StringAssert.DoesNotMatch(model.TrainingMetrics.Regime.Description, new System.Text.RegularExpressions.Regex("tempered"), "two folds' logits cover two fifths of the rows: no temperature");
        Assert.IsTrue(model.Model.Network.IsFinite());
        var auc = ml.BinaryClassification.Evaluate(model.Transform(prep.Transform(test))).AreaUnderRocCurve;
        Assert.IsTrue(auc > 0.95, $"AUC {auc:F4}");
    }
}
