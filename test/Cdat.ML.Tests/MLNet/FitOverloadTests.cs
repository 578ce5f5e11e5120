using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.MLNet;

/// <summary><c>Fit(trainData, validationData)</c>, as LightGbm and FastTree have it.</summary>
[TestClass]
public sealed class FitOverloadTests
{
    private static float[] Weights(CdatTransformer model) => model.Model.Network.Layers.SelectMany(l => l.Weight.Concat(l.Bias)).ToArray();

    [TestMethod]
    public void ItGivesTheSameModelAsAValidationSetOption()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = Datasets.BreastCancer(ml);
        var prep = Datasets.BreastCancerPrep(ml).Fit(train);
        IDataView fit = prep.Transform(train), validation = prep.Transform(test);
        var overload = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 3, MaxSteps = 60 }).Fit(fit, validation);
        var option = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 3, MaxSteps = 60, ValidationSet = validation }).Fit(fit);
        var heldOut = ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 3, MaxSteps = 60 }).Fit(fit);
        CollectionAssert.AreEqual(Weights(option), Weights(overload));
        Assert.IsFalse(overload.TrainingMetrics.Regime.HeldOut);
        Assert.AreEqual(validation.GetColumn<bool>("Label").LongCount(), overload.TrainingMetrics.Regime.ValidationRows);
        // Without it a tenth of the training rows is held out: another model.
        CollectionAssert.AreNotEqual(Weights(heldOut), Weights(overload));
    }

    [TestMethod]
    public void ItTakesThePlaceOfTheOptionAndLetsValidationOptionsAct()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = Datasets.BreastCancer(ml);
        var prep = Datasets.BreastCancerPrep(ml).Fit(train);
        IDataView fit = prep.Transform(train), validation = prep.Transform(test);
        // Nothing held out and a patience: refused by Fit(data), accepted with validation data.
        var options = new CdatTrainer.Options { Seed = 3, MaxSteps = 60, ValidationFraction = 0, EarlyStoppingPatience = 2, ValidationEvery = 5 };
        var trainer = ml.BinaryClassification.Trainers.Cdat(options);
        Assert.AreEqual("EarlyStoppingPatience", Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit(fit)).ParamName);
        var model = trainer.Fit(fit, validation);
        StringAssert.Contains(model.TrainingMetrics.Regime.Description, "patience 2");
        Assert.AreEqual("validationData", Assert.ThrowsExactly<ArgumentNullException>(() => trainer.Fit(fit, (IDataView)null!)).ParamName);
        // Validation data of another width is named by the argument.
        var slice = ml.Transforms.CustomMapping<Wide, Narrow>((i, o) => { o.Features = i.Features[..10]; o.Label = i.Label; }, null).Fit(validation).Transform(validation);
        Assert.AreEqual("validationData", Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit(fit, slice)).ParamName);
    }

    private sealed class Wide
    {
        [Microsoft.ML.Data.VectorType(30)] public float[] Features { get; set; } = Array.Empty<float>();
        public bool Label { get; set; }
    }

    private sealed class Narrow
    {
        [Microsoft.ML.Data.VectorType(10)] public float[] Features { get; set; } = Array.Empty<float>();
        public bool Label { get; set; }
    }
}
