// Trains a binary classifier with the packed Cdat.ML, saves it, reloads it in a new MLContext and checks that the
// reloaded model predicts exactly as the trained one.
using Microsoft.ML;
using Microsoft.ML.Data;
using Cdat.ML;

var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromTextFile(args[0], new[]
{
    new TextLoader.Column("Measurements", DataKind.Single, 0, 29),
    new TextLoader.Column("Label", DataKind.Boolean, 30),
}, separatorChar: ',', hasHeader: true);
var split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 1);

var pipeline = ml.Transforms.NormalizeMeanVariance("Features", "Measurements")
    .Append(ml.BinaryClassification.Trainers.Cdat(maxEpochs: 100));
var model = pipeline.Fit(split.TrainSet);
var metrics = ml.BinaryClassification.Evaluate(model.Transform(split.TestSet));
Console.WriteLine($"AUC {metrics.AreaUnderRocCurve:F4}; {model.LastTransformer.TrainingMetrics}");

string path = Path.Combine(Path.GetTempPath(), $"consumer-{Guid.NewGuid():N}.zip");
ml.Model.Save(model, split.TrainSet.Schema, path);
var loaded = new MLContext().Model.Load(path, out _);
File.Delete(path);

float[] Probabilities(ITransformer m) => ml.Data.CreateEnumerable<Prediction>(m.Transform(split.TestSet), false).Select(p => p.Probability).ToArray();
var before = Probabilities(model);
var after = Probabilities(loaded);
if (!before.SequenceEqual(after)) { Console.Error.WriteLine("reloaded predictions differ"); return 1; }
if (metrics.AreaUnderRocCurve < 0.95) { Console.Error.WriteLine("the model did not learn"); return 1; }
Console.WriteLine($"{after.Length} identical predictions after Save/Load");

// The ML.NET-style overloads: example weights, Fit(trainData, validationData) and continued training.
var prep = ml.Transforms.NormalizeMeanVariance("Features", "Measurements").Fit(split.TrainSet);
var weigh = ml.Transforms.CustomMapping<LabelRow, WeightRow>((i, o) => o.Weight = i.Label ? 2f : 1f, null);
IDataView train = weigh.Fit(prep.Transform(split.TrainSet)).Transform(prep.Transform(split.TrainSet));
IDataView validation = weigh.Fit(prep.Transform(split.TestSet)).Transform(prep.Transform(split.TestSet));
var trainer = ml.BinaryClassification.Trainers.Cdat(exampleWeightColumnName: "Weight", maxEpochs: 50);
var first = trainer.Fit(train, validation);
var continued = trainer.Fit(train, first.Model);
Console.WriteLine($"weighted: {first.TrainingMetrics}; continued: {continued.TrainingMetrics.Steps} steps in all");
if (!first.TrainingMetrics.Regime.Description.Contains("rows weighted by 'Weight'")) { Console.Error.WriteLine("the weights were not used"); return 1; }
if (continued.TrainingMetrics.Steps <= first.TrainingMetrics.Steps) { Console.Error.WriteLine("continued training did not continue the step count"); return 1; }

// ONNX export from the package (its converter and protobuf dependencies come with it).
using var onnx = new MemoryStream();
CdatModel.ConvertToOnnx(ml, model, split.TrainSet, onnx);
Console.WriteLine($"ONNX export: {onnx.Length} bytes");
if (onnx.Length < 1000) { Console.Error.WriteLine("the ONNX export is empty"); return 1; }
return 0;

sealed class Prediction { public float Probability { get; set; } }
sealed class LabelRow { public bool Label { get; set; } }
sealed class WeightRow { public float Weight { get; set; } }
