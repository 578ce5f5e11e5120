using Cdat.ML.Networks;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Cdat.ML.Tests.MLNet;

/// <summary><c>CdatModel.ConvertToOnnx</c>: the exported graph scores as the managed scorer does, in ONNX Runtime and in ML.NET.</summary>
[TestClass]
public sealed class OnnxExportTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// Largest |onnx − managed| / max(|managed|, m) allowed, m the outputs' mean magnitude: relative, except where an output
    /// sits near 0 as the difference of larger terms, each summed in float32 in another order.
    /// </summary>
    private const double Tolerance = 1e-5;

    private sealed class Row
    {
        [VectorType(6)] public float[] Features { get; set; } = [];
        public float Value { get; set; }
        public bool Flag { get; set; }
        public float Class { get; set; }
    }

    /// <summary>Features on different scales (so the robust input scaling is exported too) and labels for the three tasks.</summary>
    private static Row[] Rows(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ =>
        {
            var x = Enumerable.Range(0, 6).Select(j => (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, j - 2))).ToArray();
            float signal = 10 * x[0] - x[3] + 0.01f * x[4] * x[4];
            return new Row { Features = x, Value = signal + 5, Flag = signal > 0, Class = signal < -0.5f ? 0 : signal < 0.5f ? 1 : 2 };
        }).ToArray();
    }

    private static (CdatTransformer Model, IDataView Data) Train(MLContext ml, CdatTask task, Activation activation, int[] hidden)
    {
        var data = ml.Data.LoadFromEnumerable(Rows(200, 1));
        var options = new CdatTrainer.Options { Seed = 1, MaxSteps = 30, HiddenLayers = hidden, Activation = activation };
        switch (task)
        {
            case CdatTask.Regression:
                options.LabelColumnName = "Value";
                return (ml.Regression.Trainers.Cdat(options).Fit(data), data);
            case CdatTask.BinaryClassification:
                options.LabelColumnName = "Flag";
                return (ml.BinaryClassification.Trainers.Cdat(options).Fit(data), data);
            default:
                var keyed = ml.Transforms.Conversion.MapValueToKey("Class").Fit(data).Transform(data);
                options.LabelColumnName = "Class";
                return (ml.MulticlassClassification.Trainers.Cdat(options).Fit(keyed), keyed);
        }
    }

    private static byte[] Export(MLContext ml, ITransformer model, IDataView data)
    {
        using var stream = new MemoryStream();
        CdatModel.ConvertToOnnx(ml, model, data, stream);
        return stream.ToArray();
    }

    private static double RelativeError(IEnumerable<float> onnx, IEnumerable<float> managed)
    {
        var expected = managed.ToArray();
        double magnitude = expected.Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Average();
        return onnx.Zip(expected, (a, b) => Math.Abs(a - b) / Math.Max(Math.Abs(b), magnitude)).DefaultIfEmpty(0).Max();
    }

    [TestMethod]
    [DataRow(CdatTask.Regression, Activation.Tanh, 64)]
    [DataRow(CdatTask.Regression, Activation.Relu, 64)]
    [DataRow(CdatTask.Regression, Activation.Gelu, 64)]
    [DataRow(CdatTask.Regression, Activation.Tanh, 0)]
    [DataRow(CdatTask.BinaryClassification, Activation.Tanh, 64)]
    [DataRow(CdatTask.BinaryClassification, Activation.Relu, 64)]
    [DataRow(CdatTask.BinaryClassification, Activation.Gelu, 64)]
    [DataRow(CdatTask.BinaryClassification, Activation.Tanh, 0)]
    [DataRow(CdatTask.MulticlassClassification, Activation.Tanh, 64)]
    [DataRow(CdatTask.MulticlassClassification, Activation.Relu, 64)]
    [DataRow(CdatTask.MulticlassClassification, Activation.Gelu, 64)]
    [DataRow(CdatTask.MulticlassClassification, Activation.Tanh, 0)]
    public void TheGraphScoresAsTheManagedScorerAtAnyBatchSize(CdatTask task, Activation activation, int width)
    {
        var ml = new MLContext(seed: 1);
        var (model, data) = Train(ml, task, activation, width == 0 ? [] : [width, width / 2]);
        using var session = new InferenceSession(Export(ml, model, data));
        var rows = Rows(200, 1);
        var scored = model.Transform(data);
        var score = task == CdatTask.MulticlassClassification
            ? scored.GetColumn<float[]>("Score").SelectMany(s => s).ToArray()
            : scored.GetColumn<float>("Score").ToArray();
        int width1 = score.Length / rows.Length;
        double worst = 0;
        // Every row at once, then one row, then 7: the batch dimension is dynamic.
        foreach (var (start, count) in new[] { (0, rows.Length), (3, 1), (50, 7) })
        {
            var input = new DenseTensor<float>(rows.Skip(start).Take(count).SelectMany(r => r.Features).ToArray(), [count, 6]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("Features", input)]);
            var outputs = results.ToDictionary(r => r.Name, r => r);
            var onnxScore = outputs["Score.output"].AsTensor<float>().ToArray();
            Assert.AreEqual(count * width1, onnxScore.Length);
            worst = Math.Max(worst, RelativeError(onnxScore, score.Skip(start * width1).Take(count * width1)));
            switch (task)
            {
                case CdatTask.BinaryClassification:
                    var probability = scored.GetColumn<float>("Probability").Skip(start).Take(count);
                    worst = Math.Max(worst, RelativeError(outputs["Probability.output"].AsTensor<float>().ToArray(), probability));
                    CollectionAssert.AreEqual(scored.GetColumn<bool>("PredictedLabel").Skip(start).Take(count).ToArray(), outputs["PredictedLabel.output"].AsTensor<bool>().ToArray());
                    break;
                case CdatTask.MulticlassClassification:
                    // The key's raw value: class index + 1.
                    var keys = scored.GetColumn<uint>("PredictedLabel").Skip(start).Take(count).ToArray();
                    CollectionAssert.AreEqual(keys, outputs["PredictedLabel.output"].AsTensor<uint>().ToArray());
                    break;
            }
        }
        TestContext.WriteLine($"{task} {activation} width {width}: largest relative difference {worst:G3}");
        Assert.IsTrue(worst <= Tolerance, $"largest relative difference {worst:G3}");
    }

    private sealed class RawRow
    {
        public float A { get; set; }
        public float B { get; set; }
        public float C { get; set; }
        public bool Label { get; set; }
    }

    private sealed class OnnxScore
    {
        // ApplyOnnxModel names its columns without ML.NET's ".output".
        public float[] Score { get; set; } = [];
        public float[] Probability { get; set; } = [];
    }

    [TestMethod]
    public void AChainOfMLNetTransformsExportsWholeAndRunsInApplyOnnxModel()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(2);
        var rows = Enumerable.Range(0, 300).Select(_ =>
        {
            float a = (float)random.NextDouble() * 100, b = (float)random.NextDouble(), c = (float)(random.NextDouble() - 0.5);
            return new RawRow { A = a, B = b, C = c, Label = a / 100 + b - 2 * c > 1 };
        }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Concatenate("Raw", "A", "B", "C")
            .Append(ml.Transforms.NormalizeMinMax("Features", "Raw"))
            .Append(ml.BinaryClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 40 }))
            .Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"cdat-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, Export(ml, model, data));
            var applied = ml.Transforms.ApplyOnnxModel(path).Fit(data).Transform(data);
            var onnx = ml.Data.CreateEnumerable<OnnxScore>(applied, false).ToArray();
            var managed = model.Transform(data);
            double worst = Math.Max(
                RelativeError(onnx.Select(o => o.Score.Single()), managed.GetColumn<float>("Score")),
                RelativeError(onnx.Select(o => o.Probability.Single()), managed.GetColumn<float>("Probability")));
            TestContext.WriteLine($"Concatenate → NormalizeMinMax → Cdat through ApplyOnnxModel: largest relative difference {worst:G3}");
            Assert.AreEqual(rows.Length, onnx.Length);
            Assert.IsTrue(worst <= Tolerance, $"largest relative difference {worst:G3}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void OutliersAndADroppedFeatureScoreAsTheManagedScorer()
    {
        // Feature 5 is constant in training, so the robust scaling drops it (factor 0): whatever it holds scores as 0.
        var ml = new MLContext(seed: 1);
        var rows = Rows(200, 3);
        foreach (var r in rows) r.Features[5] = 1;
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Seed = 1, MaxSteps = 20, LabelColumnName = "Value" }).Fit(data);
        var extreme = new[]
        {
            new Row { Features = [1e30f, -1e30f, 3e38f, -3e38f, 0, float.PositiveInfinity] },
            new Row { Features = [-5e19f, 5e19f, 1e20f, 0, 1e-30f, float.NegativeInfinity] },
            new Row { Features = [0.5f, -0.5f, 0, 1, 2, 1e38f] },
        };
        var managed = model.Transform(ml.Data.LoadFromEnumerable(extreme)).GetColumn<float>("Score").ToArray();
        using var session = new InferenceSession(Export(ml, model, data));
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("Features", new DenseTensor<float>(extreme.SelectMany(r => r.Features).ToArray(), [extreme.Length, 6]))]);
        var onnx = results.First(r => r.Name == "Score.output").AsTensor<float>().ToArray();
        TestContext.WriteLine($"managed {string.Join(", ", managed)}; ONNX {string.Join(", ", onnx)}");
        Assert.IsTrue(managed.All(float.IsFinite), "the managed scorer clips outliers to finite scores");
        Assert.IsTrue(RelativeError(onnx, managed) <= Tolerance, $"largest relative difference {RelativeError(onnx, managed):G3}");
    }

    [TestMethod]
    public void WhatCannotBeExportedIsNamed()
    {
        var ml = new MLContext(seed: 1);
        var (model, data) = Train(ml, CdatTask.MulticlassClassification, Activation.Tanh, [8]);
        var after = new TransformerChain<ITransformer>(model, ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(model.Transform(data)));
        var error = Assert.ThrowsExactly<ArgumentException>(() => Export(ml, after, data));
        Assert.AreEqual("model", error.ParamName);
        StringAssert.Contains(error.Message, "after the Cdat trainer");

        // A loaded model: its Cdat part exports through TransformerFromLoaded, and scores the same.
        using var saved = new MemoryStream();
        ml.Model.Save(model, data.Schema, saved);
        saved.Position = 0;
        var loaded = ml.Model.Load(saved, out _);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Export(ml, loaded, data)).Message, "TransformerFromLoaded");
        var fromLoaded = CdatModel.TransformerFromLoaded(loaded, data);
        CollectionAssert.AreEqual(Export(ml, model, data), Export(ml, fromLoaded, data));

        var narrow = ml.Data.LoadFromEnumerable(new[] { new { Features = 1f } }.Select(r => new RawRow { A = r.Features }));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Export(ml, model, narrow)).Message, "no feature column 'Features'");
    }
}
