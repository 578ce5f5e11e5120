using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.MLNet;

/// <summary><c>Fit(trainData, modelParameters)</c>: training continues from a model's weights and scaling.</summary>
[TestClass]
public sealed class ContinuedTrainingTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ARegressionModelContinuesFromTheFunctionItHad()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = Datasets.Diabetes(ml);
        var raw = ml.Transforms.CopyColumns("Features", "Raw").Fit(train).Transform(train);
        var first = ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 40, ValidationFraction = 0 }).Fit(raw);
        var options = new CdatTrainer.Options { Seed = 2, MaxSteps = 20, ValidationFraction = 0 };
        var next = ml.Regression.Trainers.Cdat(options).Fit(raw, first.Model);
        var fresh = ml.Regression.Trainers.Cdat(options).Fit(raw);
        TestContext.WriteLine($"first {first.TrainingMetrics}\nnext {next.TrainingMetrics}");
        // The continued run's first loss is the first model's last one (same rows, same label scaling), far below a fresh start's.
        Assert.AreEqual(first.TrainingTrace[^1].Loss, next.TrainingTrace[0].Loss, 0.1 * first.TrainingTrace[^1].Loss);
        Assert.IsTrue(next.TrainingTrace[0].Loss < 0.8 * fresh.TrainingTrace[0].Loss, $"{next.TrainingTrace[0].Loss} against {fresh.TrainingTrace[0].Loss}");
        // The step count goes on; the input scaling is the model's, not measured again.
        Assert.AreEqual(41, next.TrainingTrace[0].Step);
        Assert.AreEqual(60, next.TrainingMetrics.Steps);
        Assert.AreSame(first.Model.Network.InputScaler, next.Model.Network.InputScaler);
        StringAssert.Contains(next.TrainingMetrics.Regime.Description, "continued from a model of 40 steps");
    }

    [TestMethod]
    public void AContinuedModelKeepsItsActivation()
    {
        // Left at its default (tanh), the activation is the model's: the continued model trains and scores with ReLU.
        var ml = new MLContext(seed: 1);
        var (rawTrain, rawTest) = Datasets.Diabetes(ml);
        var features = ml.Transforms.CopyColumns("Features", "Raw").Fit(rawTrain);
        var (train, test) = (features.Transform(rawTrain), features.Transform(rawTest));
        var relu = ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 20, Activation = Cdat.ML.Networks.Activation.Relu }).Fit(train);
        var next = ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Seed = 2, MaxSteps = 5 }).Fit(train, relu.Model);
        Assert.AreEqual(Cdat.ML.Networks.Activation.Relu, next.Model.Network.Activation);
        using var saved = new MemoryStream();
        ml.Model.Save(next, train.Schema, saved);
        saved.Position = 0;
        var loaded = new MLContext().Model.Load(saved, out _);
        CollectionAssert.AreEqual(next.Transform(test).GetColumn<float>("Score").ToArray(), loaded.Transform(test).GetColumn<float>("Score").ToArray());
    }

    [TestMethod]
    public void AModelOfAnotherTaskShapeOrWidthIsRefusedByName()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = Datasets.Digits(ml);
        var data = Datasets.DigitsPrep(ml).Fit(train).Transform(train);
        var multi = ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 5, HiddenLayers = new[] { 16 }, SmallDataRows = 4096, PiecewiseLinearBins = 0 }).Fit(data);
        // (Without bins: 64 pixels over 16 bins read up to 1,088 inputs, too many values for full batch and its folds.)
        // Left at its defaults, the shape is the model's: a 5-fold ensemble of 16-unit networks is one network of 80
        // units (not the default 64).
        var next = ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 5 }).Fit(data, multi.Model);
        Assert.AreEqual(5 * 16, next.Model.Network.Layers[0].Outputs);
        // The options it was trained with are accepted again: five networks of 16 units are one of 80.
        var same = ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 5, HiddenLayers = new[] { 16 } }).Fit(data, multi.Model);
        Assert.AreEqual(5 * 16, same.Model.Network.Layers[0].Outputs);

        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options { HiddenLayers = new[] { 32 } }).Fit(data, multi.Model));
        Assert.AreEqual("HiddenLayers", e.ParamName);
        // Only the ensemble's own multiple: 40 units are not 16 × 5 (nor 80).
        Assert.AreEqual("HiddenLayers", Assert.ThrowsExactly<ArgumentException>(
            () => ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options { HiddenLayers = new[] { 40 } }).Fit(data, multi.Model)).ParamName);
        // A linear model (no hidden layer) continues with the options it was trained with.
        var linear = ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 5, HiddenLayers = Array.Empty<int>() }).Fit(data);
        var linearAgain = ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 5, HiddenLayers = Array.Empty<int>() }).Fit(data, linear.Model);
        Assert.AreEqual(1, linearAgain.Model.Network.Layers.Count);
        var regression = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 50).Select(i => new Row { Features = new float[64], Label = i }));
        e = Assert.ThrowsExactly<ArgumentException>(() => ml.Regression.Trainers.Cdat().Fit(regression, multi.Model));
        Assert.AreEqual("modelParameters", e.ParamName);
        StringAssert.Contains(e.Message, "MulticlassClassification");
        var narrow = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 50).Select(i => new NarrowRow { Features = new float[8], Label = (uint)(i % 10 + 1) }));
        e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.Cdat().Fit(ml.Transforms.Conversion.MapValueToKey("Label").Fit(narrow).Transform(narrow), multi.Model));
        StringAssert.Contains(e.Message, "64 features");
        Assert.ThrowsExactly<ArgumentNullException>(() => ml.MulticlassClassification.Trainers.Cdat().Fit(data, (CdatModelParameters)null!));
        // The same ten classes in another key order would swap the outputs: refused.
        var descending = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(d => new DigitKey { Digit = 9 - d }));
        var reordered = ml.Transforms.Conversion.MapValueToKey("Label", "Digit", keyData: descending)
            .Append(ml.Transforms.NormalizeMeanVariance("Features", "Pixels")).Fit(train).Transform(train);
        e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.Cdat().Fit(reordered, multi.Model));
        StringAssert.Contains(e.Message, "key order");
    }

    private sealed class Row
    {
        [VectorType(64)] public float[] Features { get; set; } = Array.Empty<float>();
        public float Label { get; set; }
    }

    private sealed class DigitKey
    {
        public float Digit { get; set; }
    }

    private sealed class NarrowRow
    {
        [VectorType(8)] public float[] Features { get; set; } = Array.Empty<float>();
        public uint Label { get; set; }
    }
}
