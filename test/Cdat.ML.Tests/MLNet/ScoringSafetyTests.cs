using Cdat.ML.MLNet;
using Cdat.ML.Tests.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.MLNet;

/// <summary>Scores that are right or fail loudly: NaN rows, odd class names, model blobs that do not match their pipeline.</summary>
[TestClass]
public sealed class ScoringSafetyTests
{
    private sealed class Row
    {
        [VectorType(2)] public float[] Features { get; set; } = [];
        public string Kind { get; set; } = "";
        public bool Flag { get; set; }
    }

    private static Row[] Rows(params string[] kinds) => Enumerable.Range(0, 60).Select(i => new Row
    {
        Features = new[] { (float)Math.Sin(i), (float)Math.Cos(i) }, Kind = kinds[i % kinds.Length], Flag = Math.Sin(i) > 0,
    }).ToArray();

    private static readonly Row NaNRow = new() { Features = new[] { float.NaN, 1f }, Kind = "a" };

    [TestMethod]
    public void ANaNFeatureRowPredictsWhatMLNetsOwnTrainersPredict()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows("a", "b", "c"));
        var nan = ml.Data.LoadFromEnumerable(new[] { NaNRow });
        var key = ml.Transforms.Conversion.MapValueToKey("Label", "Kind");

        (uint Predicted, float[] Score) Multiclass(IEstimator<ITransformer> trainer)
        {
            var scored = key.Append(trainer).Fit(data).Transform(nan);
            return (scored.GetColumn<uint>("PredictedLabel").Single(), scored.GetColumn<float[]>("Score").Single());
        }
        var sdca = Multiclass(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy());
        var cdat = Multiclass(ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options { MaxSteps = 5 }));
        Assert.IsTrue(sdca.Score.All(float.IsNaN) && cdat.Score.All(float.IsNaN));
        Assert.AreEqual(sdca.Predicted, cdat.Predicted);

        (bool Predicted, float Probability) Binary(IEstimator<ITransformer> trainer)
        {
            var scored = ml.Transforms.CopyColumns("Label", "Flag").Append(trainer).Fit(data).Transform(nan);
            return (scored.GetColumn<bool>("PredictedLabel").Single(), scored.GetColumn<float>("Probability").Single());
        }
        var sdcaBinary = Binary(ml.BinaryClassification.Trainers.SdcaLogisticRegression());
        var cdatBinary = Binary(ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { MaxSteps = 5 }));
        Assert.AreEqual(sdcaBinary.Predicted, cdatBinary.Predicted);
        Assert.IsTrue(float.IsNaN(sdcaBinary.Probability) && float.IsNaN(cdatBinary.Probability));
    }

    [TestMethod]
    public void ClassesNamedScoreOrPredictedLabelOrAnInputColumnKeepTheirNamesAndTheColumns()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows("Score", "PredictedLabel", "Flag");
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Conversion.MapValueToKey("Label", "Kind")
            .Append(ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options { MaxSteps = 20 })).Fit(data);
        var scored = model.Transform(data);
        var slots = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema["Score"].GetSlotNames(ref slots);
        CollectionAssert.AreEqual(new[] { "Score", "PredictedLabel", "Flag" }, slots.DenseValues().Select(v => v.ToString()).ToArray());
        Assert.IsInstanceOfType<KeyDataViewType>(scored.Schema["PredictedLabel"].Type);
        Assert.AreEqual(60, scored.GetColumn<float[]>("Score").Count(s => s.Length == 3 && Math.Abs(s.Sum() - 1) < 1e-5));
        // The class "Flag" shares its name with an input column, which comes out unchanged.
        CollectionAssert.AreEqual(rows.Select(r => r.Flag).ToArray(), scored.GetColumn<bool>("Flag").ToArray());
    }

    [TestMethod]
    public void AModelBlobOfAnotherTaskFailsInsteadOfScoring()
    {
        var binary = ModelBlob.Encode(OutputFunctionsTests.Model(CdatTask.BinaryClassification, new[] { 1f })).AsMemory();
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            CdatMulticlassFactory.Map(new CdatScoringRow { Features = new float[3], ModelBlob = binary }, new CdatMulticlassRow()));
        StringAssert.Contains(e.Message, "BinaryClassification");
        Assert.ThrowsExactly<InvalidDataException>(() =>
            CdatRegressionFactory.Map(new CdatScoringRow { Features = new float[3], ModelBlob = binary }, new CdatRegressionRow()));
    }

    [TestMethod]
    public void AModelOfAnotherClassCountOrABlockOutOfRangeFails()
    {
        var row = new CdatScoreBlockRow();
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            CdatCheckedScoreBlockFactory.Map(new CdatCheckedScoreBlockInput { Scores = new float[4], Block = 0, Classes = 3 }, row));
        StringAssert.Contains(e.Message, "4 classes");
        StringAssert.Contains(e.Message, "built for 3");
        Assert.ThrowsExactly<InvalidDataException>(() =>
            CdatCheckedScoreBlockFactory.Map(new CdatCheckedScoreBlockInput { Scores = new float[3], Block = 1, Classes = 3 }, row));
        // The format of models saved before the class check: the block index is still checked.
        Assert.ThrowsExactly<InvalidDataException>(() => CdatScoreBlockFactory.Map(new CdatScoreBlockInput { Scores = new float[3], Block = 1 }, row));
        CdatCheckedScoreBlockFactory.Map(new CdatCheckedScoreBlockInput { Scores = new[] { 1f, 2f, 3f }, Block = 0, Classes = 3 }, row);
        Assert.AreEqual(3f, row.B02);
    }

    [TestMethod]
    public void ACorruptBlobFailsOnEveryRowWithTheSameMessageNamingThePart()
    {
        var bytes = OutputFunctionsTests.Model(CdatTask.Regression, new[] { 1f }).ToBytes();
        bytes[^12] ^= 0x10;  // inside the payload: the checksum no longer matches
        var blob = Convert.ToBase64String(bytes).AsMemory();
        var first = Assert.ThrowsExactly<InvalidDataException>(() => CdatRegressionFactory.Map(new CdatScoringRow { Features = new float[3], ModelBlob = blob }, new CdatRegressionRow()));
        var second = Assert.ThrowsExactly<InvalidDataException>(() => CdatRegressionFactory.Map(new CdatScoringRow { Features = new float[3], ModelBlob = blob }, new CdatRegressionRow()));
        Assert.AreEqual(first.Message, second.Message);
        StringAssert.Contains(first.Message, PipelineNames.ModelBlob);
        StringAssert.Contains(first.Message, "checksum");
    }

    [TestMethod]
    public void AModelFileWithACorruptBlobIsCaughtByFromLoadedRightAfterLoad()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows("a", "b"));
        var model = OutputFunctionsTests.Model(CdatTask.Regression, new[] { 1f }, features: 2);
        var bytes = model.ToBytes();
        bytes[^12] ^= 0x04;
        var pipeline = ScoringPipeline.Build(model, "Features", data.Schema.Select(c => c.Name), Convert.ToBase64String(bytes)).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"cdat-{Guid.NewGuid():N}.zip");
        ml.Model.Save(pipeline, data.Schema, path);
        var loaded = new MLContext().Model.Load(path, out _);  // ML.NET offers no hook to check here
        File.Delete(path);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => CdatModel.FromLoaded(loaded));
        StringAssert.Contains(e.Message, PipelineNames.ModelBlob);
        StringAssert.Contains(e.Message, "checksum");
        // Scoring fails with the same message.
        Assert.AreEqual(e.Message, PersistenceTests.ScoringError(() => loaded.Transform(data).GetColumn<float>("Score").ToArray()).Message);
    }
}
