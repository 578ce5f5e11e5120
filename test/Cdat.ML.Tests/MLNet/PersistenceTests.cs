using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.MLNet;

[TestClass]
public sealed class PersistenceTests
{
    public TestContext TestContext { get; set; } = null!;

    private static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"cdat-{Guid.NewGuid():N}-{name}");

    /// <summary>
    /// The InvalidDataException a Cdat scoring mapping throws while <paramref name="score"/> runs, alone or inside ML.NET's
    /// parallel-cursor wrapping (an InvalidOperationException); fails the test when there is none.
    /// </summary>
    internal static InvalidDataException ScoringError(Action score)
    {
        InvalidDataException? error = null;
        try { score(); }
        catch (InvalidDataException direct) { error = direct; }
        catch (InvalidOperationException wrapped) { error = wrapped.InnerException as InvalidDataException; }
        Assert.IsNotNull(error, "scoring fails with an InvalidDataException");
        return error;
    }

    internal static float[][] Scores(IDataView scored)
    {
        var column = scored.Schema["Score"];
        var rows = new List<float[]>();
        using var cursor = scored.GetRowCursor(new[] { column });
        if (column.Type is VectorDataViewType)
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> value = default;
            while (cursor.MoveNext()) { getter(ref value); rows.Add(value.DenseValues().ToArray()); }
        }
        else
        {
            var getter = cursor.GetGetter<float>(column);
            float value = 0;
            while (cursor.MoveNext()) { getter(ref value); rows.Add(new[] { value }); }
        }
        return rows.ToArray();
    }

    private static void AssertSameScores(float[][] expected, float[][] actual)
    {
        Assert.AreEqual(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
    }

    [TestMethod]
    public void SaveThenLoadGivesIdenticalPredictionsAndMetricsForEveryTask()
    {
        var ml = new MLContext(seed: 3);
        var cases = new (string Name, IEstimator<ITransformer> Pipeline, IDataView Train, IDataView Test)[]
        {
            ("regression", Datasets.DiabetesPrep(ml).Append(ml.Regression.Trainers.Cdat(maxEpochs: 50)), Datasets.Diabetes(ml).Train, Datasets.Diabetes(ml).Test),
            ("binary", Datasets.BreastCancerPrep(ml).Append(ml.BinaryClassification.Trainers.Cdat(maxEpochs: 50)), Datasets.BreastCancer(ml).Train, Datasets.BreastCancer(ml).Test),
            ("multiclass", Datasets.DigitsPrep(ml).Append(ml.MulticlassClassification.Trainers.Cdat(maxEpochs: 50)), Datasets.Digits(ml).Train, Datasets.Digits(ml).Test),
        };
        foreach (var (name, pipeline, train, test) in cases)
        {
            var model = pipeline.Fit(train);
            var expected = Scores(model.Transform(test));
            string path = TempPath(name + ".zip");
            var clock = Stopwatch.StartNew();
            ml.Model.Save(model, train.Schema, path);
            double saveMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            var fresh = new MLContext(seed: 99);
            var loaded = fresh.Model.Load(path, out var schema);
            var actual = Scores(loaded.Transform(test));
            double loadMs = clock.Elapsed.TotalMilliseconds;
            TestContext.WriteLine($"{name}: {new FileInfo(path).Length} bytes, save {saveMs:F0} ms, load + score {loadMs:F0} ms");
            AssertSameScores(expected, actual);

            var original = ((ISingleFeaturePredictionTransformer<CdatModelParameters>)((IEnumerable<ITransformer>)model).Last()).Model;
            var found = CdatModel.FromLoaded(loaded).Single();
            Assert.AreEqual(original.TrainingMetrics.ToString(), found.TrainingMetrics.ToString());
            Assert.AreEqual(original.Task, found.Task);
            File.Delete(path);
        }
    }

    [TestMethod]
    public void MulticlassOutputsCarryClassNamesAndTheLabelsKeyValuesAlsoAfterLoad()
    {
        var ml = new MLContext(seed: 3);
        var rows = Enumerable.Range(0, 90).Select(i => new Animal { Features = new[] { (float)(i % 3) + 0.1f * (i % 7), (float)(i % 5) }, Kind = new[] { "cat", "dog", "emu" }[i % 3] }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Kind")
            .Append(ml.MulticlassClassification.Trainers.Cdat(maxEpochs: 100))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedKind", "PredictedLabel"));
        var model = pipeline.Fit(data);
        string path = TempPath("animals.zip");
        ml.Model.Save(model, data.Schema, path);
        var loaded = new MLContext().Model.Load(path, out _);
        foreach (var scored in new[] { model.Transform(data), loaded.Transform(data) })
        {
            var score = scored.Schema["Score"];
            Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), score.Type);
            VBuffer<ReadOnlyMemory<char>> slots = default;
            score.GetSlotNames(ref slots);
            CollectionAssert.AreEqual(new[] { "cat", "dog", "emu" }, slots.DenseValues().Select(s => s.ToString()).ToArray());
            var predicted = scored.Schema["PredictedLabel"];
            Assert.AreEqual(3UL, ((KeyDataViewType)predicted.Type).Count);
            VBuffer<ReadOnlyMemory<char>> keys = default;
            predicted.GetKeyValues(ref keys);
            CollectionAssert.AreEqual(new[] { "cat", "dog", "emu" }, keys.DenseValues().Select(s => s.ToString()).ToArray());
            var kinds = ml.Data.CreateEnumerable<AnimalPrediction>(scored, false).ToArray();
            Assert.IsTrue(kinds.Count(k => k.Kind == k.PredictedKind) >= 85, "predicted kinds map back to names");
            Assert.IsFalse(scored.Schema.Any(c => c.Name.StartsWith("__cdat", StringComparison.Ordinal)), "no temporary column leaks");
            Assert.IsTrue(Scores(scored).All(p => Math.Abs(p.Sum() - 1) < 1e-5 && p.All(v => v >= 0)), "Score holds class probabilities");
        }
        File.Delete(path);
    }

    [TestMethod]
    public void ClassNamesThatCollideWithInputColumnsLeaveThoseColumnsIntact()
    {
        var ml = new MLContext(seed: 3);
        var rows = Enumerable.Range(0, 60).Select(i => new Collision { Features = new[] { (float)(i % 2), 1f }, Kind = i % 2 == 0 ? "Note" : "Features", Note = "n" + i }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Conversion.MapValueToKey("Label", "Kind").Append(ml.MulticlassClassification.Trainers.Cdat(maxEpochs: 30)).Fit(data);
        var scored = model.Transform(data);
        var notes = ml.Data.CreateEnumerable<Collision>(scored, false).Select(c => c.Note).ToArray();
        CollectionAssert.AreEqual(rows.Select(r => r.Note).ToArray(), notes);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 2), scored.Schema["Features"].Type);
    }

    [TestMethod]
    public void AFreshProcessLoadsAndScoresWithoutTouchingCdatTypesOrNativeTorch()
    {
        var ml = new MLContext(seed: 5);
        var (raw, test) = Datasets.Digits(ml);
        // The saved model scores from pixels alone: the label's key mapping is fitted outside it.
        var train = ml.Transforms.Conversion.MapValueToKey("Label", "Digit").Fit(raw).Transform(raw);
        var model = ml.Transforms.NormalizeMeanVariance("Features", "Pixels").Append(ml.MulticlassClassification.Trainers.Cdat(maxEpochs: 60)).Fit(train);
        string zip = TempPath("digits.zip"), input = TempPath("input.csv"), output = TempPath("output.txt");
        ml.Model.Save(model, train.Schema, zip);

        var pixels = ml.Data.CreateEnumerable<DigitRow>(test, false).Take(200).ToArray();
        File.WriteAllLines(input, pixels.Select(p => string.Join(",", p.Pixels.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
        var expected = Scores(model.Transform(ml.Data.LoadFromEnumerable(pixels)));

        string dir = Path.GetDirectoryName(typeof(PersistenceTests).Assembly.Location)!;
        string config = new DirectoryInfo(dir).Parent!.Name;
        string loadCheck = Path.GetFullPath(Path.Combine(dir, "..", "..", "..", "..", "Cdat.ML.LoadCheck", "bin", config, "net10.0", "Cdat.ML.LoadCheck.dll"));
        Assert.IsTrue(File.Exists(loadCheck), loadCheck);
        Assert.IsFalse(Directory.EnumerateFiles(Path.GetDirectoryName(loadCheck)!, "libtorch*", SearchOption.AllDirectories).Any(), "the scoring app ships no libtorch");

        var start = new ProcessStartInfo("dotnet", new[] { loadCheck, zip, input, "Pixels", "64", output }) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, stderr);
        StringAssert.Contains(stdout, "native torch loaded: False");
        var actual = File.ReadAllLines(output).Select(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        AssertSameScores(expected, actual);
        foreach (var f in new[] { zip, input, output }) File.Delete(f);
    }

    [TestMethod]
    public void ATruncatedOrDamagedModelFileFailsWithAManagedException()
    {
        var ml = new MLContext(seed: 3);
        var (train, _) = Datasets.BreastCancer(ml);
        var model = Datasets.BreastCancerPrep(ml).Append(ml.BinaryClassification.Trainers.Cdat(maxEpochs: 5)).Fit(train);
        string path = TempPath("bc.zip");
        ml.Model.Save(model, train.Schema, path);
        var bytes = File.ReadAllBytes(path);
        foreach (int length in new[] { 10, bytes.Length / 3, bytes.Length - 40 })
        {
            File.WriteAllBytes(path, bytes.AsSpan(0, length).ToArray());
            // ML.NET's own zip reading fails first, with a managed exception (never a native crash).
            var e = Assert.ThrowsExactly<FormatException>(() => new MLContext().Model.Load(path, out _), $"truncated to {length}");
            StringAssert.Contains(e.Message, "zip");
        }
        File.Delete(path);
    }

    private sealed class Animal { [VectorType(2)] public float[] Features { get; set; } = []; public string Kind { get; set; } = ""; }
    private sealed class AnimalPrediction { public string Kind { get; set; } = ""; public string PredictedKind { get; set; } = ""; }
    private sealed class Collision { [VectorType(2)] public float[] Features { get; set; } = []; public string Kind { get; set; } = ""; public string Note { get; set; } = ""; }
    private sealed class DigitRow { [VectorType(64)] public float[] Pixels { get; set; } = []; }
}
