using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.MLNet;

/// <summary>Each bad input fails with a managed exception whose message names the column, option or row at fault.</summary>
[TestClass]
public sealed class BadInputTests
{
    private static readonly MLContext Ml = new(seed: 1);

    private sealed class Good { [VectorType(2)] public float[] Features { get; set; } = []; public float Label { get; set; } public bool Flag { get; set; } public string Kind { get; set; } = ""; }
    private sealed class Doubles { [VectorType(2)] public double[] Features { get; set; } = []; public float Label { get; set; } }
    private sealed class Variable { [VectorType] public float[] Features { get; set; } = []; public float Label { get; set; } }
    private sealed class KeyRow { public string Kind { get; set; } = ""; }
    private sealed class Scalar { public float Features { get; set; } public float Label { get; set; } }

    private static IEnumerable<Good> Rows(int n = 40) => Enumerable.Range(0, n).Select(i => new Good
    {
        Features = new[] { (float)Math.Sin(i), (float)Math.Cos(i) }, Label = i % 5, Flag = i % 2 == 0, Kind = new[] { "a", "b", "c" }[i % 3],
    });

    private static IDataView Data(IEnumerable<Good> rows) => Ml.Data.LoadFromEnumerable(rows);
    private static IDataView Keyed(IEnumerable<Good> rows) => Ml.Transforms.Conversion.MapValueToKey("Label", "Kind").Fit(Data(rows)).Transform(Data(rows));

    private static void Fails<T>(Action act, params string[] fragments) where T : Exception
    {
        var e = Assert.Throws<T>(act);
        foreach (var f in fragments) StringAssert.Contains(e.Message, f);
    }

    [TestMethod]
    public void MissingFeatureColumn() =>
        Fails<ArgumentException>(() => Ml.Regression.Trainers.Cdat(featureColumnName: "Pixels").Fit(Data(Rows())), "'Pixels'", "Columns:");

    [TestMethod]
    public void MissingLabelColumn() =>
        Fails<ArgumentException>(() => Ml.Regression.Trainers.Cdat(labelColumnName: "Price").Fit(Data(Rows())), "'Price'");

    [TestMethod]
    public void FeaturesOfTheWrongItemType() =>
        Fails<ArgumentException>(() => Ml.Regression.Trainers.Cdat().Fit(Ml.Data.LoadFromEnumerable(new[] { new Doubles { Features = new[] { 1.0, 2.0 } } })),
            "'Features'", "Double");

    [TestMethod]
    public void VariableSizeFeatures() =>
        Fails<ArgumentException>(() => Ml.Regression.Trainers.Cdat().Fit(Ml.Data.LoadFromEnumerable(new[] { new Variable { Features = new[] { 1f } } })),
            "'Features'", "unknown size");

    [TestMethod]
    public void ScalarFeatures() =>
        Fails<ArgumentException>(() => Ml.Regression.Trainers.Cdat().Fit(Ml.Data.LoadFromEnumerable(new[] { new Scalar { Features = 1 } })),
            "'Features'", "Concatenate");

    [TestMethod]
    public void RegressionLabelOfTheWrongType() =>
        Fails<ArgumentException>(() => Ml.Regression.Trainers.Cdat(labelColumnName: "Flag").Fit(Data(Rows())), "'Flag'", "Single");

    [TestMethod]
    public void BinaryLabelOfTheWrongType() =>
        Fails<ArgumentException>(() => Ml.BinaryClassification.Trainers.Cdat().Fit(Data(Rows())), "'Label'", "Boolean");

    [TestMethod]
    public void MulticlassLabelThatIsNotAKey() =>
        Fails<ArgumentException>(() => Ml.MulticlassClassification.Trainers.Cdat(labelColumnName: "Kind").Fit(Data(Rows())), "'Kind'", "MapValueToKey");

    [TestMethod]
    public void EmptyData() =>
        Fails<InvalidDataException>(() => Ml.Regression.Trainers.Cdat().Fit(Data(Enumerable.Empty<Good>())), "no rows");

    [TestMethod]
    public void NaNFeatureNamesTheRow()
    {
        var rows = Rows().ToArray();
        rows[7].Features[1] = float.NaN;
        Fails<InvalidDataException>(() => Ml.Regression.Trainers.Cdat().Fit(Data(rows)), "Row 8", "'Features'", "NaN", "index 1");
    }

    [TestMethod]
    public void InfiniteLabelNamesTheRow()
    {
        var rows = Rows().ToArray();
        rows[12].Label = float.PositiveInfinity;
        Fails<InvalidDataException>(() => Ml.Regression.Trainers.Cdat().Fit(Data(rows)), "Row 13", "'Label'", "Infinity");
    }

    [TestMethod]
    public void AHugeRegressionLabelNamesTheRowInsteadOfTrainingToInfinity()
    {
        var rows = Rows().ToArray();
        rows[4].Label = 3e38f;
        Fails<InvalidDataException>(() => Ml.Regression.Trainers.Cdat().Fit(Data(rows)), "Row 5", "'Label'", "1e18", "Rescale");
    }

    [TestMethod]
    public void AScheduleLongerThanItCanCountNamesTheOption()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ml.Regression.Trainers.Cdat(new CdatTrainer.Options
        {
            Tuner = new ScheduleRule(), MaxSteps = 1L << 40,
        }).Fit(Data(Rows())));
        Assert.AreEqual("MaxSteps", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ml.Regression.Trainers.Cdat(new CdatTrainer.Options
        {
            Tuner = new ScheduleRule { WarmupSteps = int.MaxValue },
        }));
        Assert.AreEqual("ScheduleRule.WarmupSteps", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ml.Regression.Trainers.Cdat(new CdatTrainer.Options
        {
            Tuner = new ScheduleRule { WarmupFraction = 1 },
        }));
        Assert.AreEqual("ScheduleRule.WarmupFraction", e.ParamName);
    }

    [TestMethod]
    public void AWarmupFractionIsAShareOfTheStepBudget()
    {
        // 40 steps and a quarter of them warming up: a linear climb over steps 1-10 to the peak, then the cosine decay.
        var model = Ml.Regression.Trainers.Cdat(new CdatTrainer.Options
        {
            Tuner = new ScheduleRule { PeakLearningRate = 0.02, WarmupFraction = 0.25 }, MaxSteps = 40, ValidationFraction = 0, Seed = 1,
            BatchSize = CdatTrainer.Options.FullBatch,
        }).Fit(Data(Rows()));
        var rates = model.TrainingTrace.Select(r => r.LearningRate).ToArray();
        Assert.AreEqual(40, rates.Length);
        Assert.AreEqual(0.02 * 5 / 10, rates[4], 1e-12);
        Assert.AreEqual(0.02, rates[9], 1e-12);
        Assert.IsTrue(rates[10] < rates[9] && rates[39] < rates[20], string.Join(", ", rates));
    }

    [TestMethod]
    public void ASingleClassForBinaryClassification() =>
        Fails<InvalidDataException>(() => Ml.BinaryClassification.Trainers.Cdat(labelColumnName: "Flag").Fit(Data(Rows().Select(r => { r.Flag = true; return r; }))),
            "'Flag'", "single class");

    [TestMethod]
    public void ASingleClassForMulticlassClassification()
    {
        var data = Ml.Transforms.Conversion.MapValueToKey("Label", "Kind",
            keyData: Ml.Data.LoadFromEnumerable(new[] { new KeyRow { Kind = "a" }, new KeyRow { Kind = "b" } }))
            .Fit(Data(Rows())).Transform(Data(Rows().Select(r => { r.Kind = "a"; return r; })));
        Fails<InvalidDataException>(() => Ml.MulticlassClassification.Trainers.Cdat().Fit(data), "single class");
    }

    [TestMethod]
    public void ALabelOutsideTheKeyDictionaryIsAMissingKey()
    {
        var mapping = Ml.Transforms.Conversion.MapValueToKey("Label", "Kind",
            keyData: Ml.Data.LoadFromEnumerable(new[] { new KeyRow { Kind = "a" }, new KeyRow { Kind = "b" } }));
        var data = mapping.Fit(Data(Rows())).Transform(Data(Rows()));
        Fails<InvalidDataException>(() => Ml.MulticlassClassification.Trainers.Cdat().Fit(data), "Row 3", "'Label'", "missing");
    }

    [TestMethod]
    public void AValidationSetWithOtherFeatures() =>
        Fails<ArgumentException>(() => Ml.Regression.Trainers.Cdat(new CdatTrainer.Options
        {
            ValidationSet = Ml.Data.LoadFromEnumerable(new[] { new Scalar { Features = 1 } }),
        }).Fit(Data(Rows())), "'Features'");

    [TestMethod]
    [DataRow("BatchSize")]
    [DataRow("HiddenLayers")]
    [DataRow("Sigma")]
    [DataRow("EmaBeta")]
    [DataRow("MaxEpochs")]
    [DataRow("Device")]
    [DataRow("EarlyStoppingPatience")]
    [DataRow("WeightAverageDecay")]
    [DataRow("PlateauRateFactor")]
    [DataRow("PlateauRateFactor 0")]
    [DataRow("PlateauRateFactor NaN")]
    [DataRow("InputScaling")]
    public void InvalidOptionsFailAtConstructionNamingTheOption(string option)
    {
        var o = new CdatTrainer.Options();
        switch (option)
        {
            case "BatchSize": o.BatchSize = 0; break;
            case "HiddenLayers": o.HiddenLayers = new[] { 8, -1 }; break;
            case "Sigma": o.Tuner = new CdatRule { Sigma = double.NaN }; break;
            case "EmaBeta": o.Tuner = new CdatRule { EmaBeta = 1.0 }; break;
            case "MaxEpochs": o.MaxEpochs = 0; break;
            case "Device": o.Device = "tpu"; break;
            case "EarlyStoppingPatience": o.EarlyStoppingPatience = -1; break;  // (without validation data it is refused at Fit, which knows the data)
            case "InputScaling": o.InputScaling = (Cdat.ML.Data.InputScaling)7; break;
            case "WeightAverageDecay": o.WeightAverageDecay = 1; break;
            case "PlateauRateFactor": o.PlateauRateFactor = 1.5; break;
            case "PlateauRateFactor 0": o.PlateauRateFactor = 0; option = "PlateauRateFactor"; break;
            case "PlateauRateFactor NaN": o.PlateauRateFactor = double.NaN; option = "PlateauRateFactor"; break;
        }
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ml.Regression.Trainers.Cdat(o));
        // A rule's settings are named with the rule: "CdatRule.Sigma".
        Assert.AreEqual(option is "Sigma" or "EmaBeta" ? $"CdatRule.{option}" : option, e.ParamName);
    }

    [TestMethod]
    public void ScoringDataWithTheWrongFeatureSize()
    {
        var model = Ml.Regression.Trainers.Cdat(maxEpochs: 2).Fit(Data(Rows()));
        var other = Ml.Data.LoadFromEnumerable(new[] { new Variable { Features = new[] { 1f, 2f, 3f } } });
        StringAssert.Contains(PersistenceTests.ScoringError(() => PersistenceTests.Scores(model.Transform(other))).Message, "features");
    }
}
