// Usage: Cdat.ML.TrainCheck <digits.csv> <threads>
// Trains the multiclass trainer on streamed mini-batches (the data exceeds a small memory budget) with a fixed seed and
// prints a hash of the trained weights, so that tests can compare runs across processes.
using System.Globalization;
using Cdat.ML;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Cdat.ML.TrainCheck <digits.csv> <threads>");
    return 2;
}
TorchSharp.torch.set_num_threads(int.Parse(args[1], CultureInfo.InvariantCulture));
var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromTextFile(args[0], new[]
{
    new TextLoader.Column("Pixels", DataKind.Single, 0, 63),
    new TextLoader.Column("Digit", DataKind.Single, 64),
}, separatorChar: ',', hasHeader: true);
var prepared = ml.Transforms.Conversion.MapValueToKey("Label", "Digit")
    .Append(ml.Transforms.NormalizeMeanVariance("Features", "Pixels")).Fit(data).Transform(data);
var model = ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options
{
    BatchSize = 100, MaxEpochs = 3, MemoryBudgetBytes = 64 * 1024, Seed = 5,
}).Fit(prepared);
Console.WriteLine($"weights hash {WeightsHash.Of(model.Model):X16}");
return 0;

