// Usage: Cdat.ML.TrainCheck <digits.csv> <threads> [busy]
// Trains the multiclass trainer twice with one MLContext on streamed mini-batches (the data exceeds the memory budget),
// the seed drawn from the MLContext, and prints a hash of each model's weights, so that tests can compare runs across
// processes. With "busy", a CPU-bound thread spins beside the training.
using System.Globalization;
using Cdat.ML;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length is < 2 or > 3 || (args.Length == 3 && args[2] != "busy"))
{
    Console.Error.WriteLine("usage: Cdat.ML.TrainCheck <digits.csv> <threads> [busy]");
    return 2;
}
TorchSharp.torch.set_num_threads(int.Parse(args[1], CultureInfo.InvariantCulture));
using var stop = new CancellationTokenSource();
if (args.Length == 3)
    new Thread(() => { double x = 1; while (!stop.IsCancellationRequested) x = Math.Sqrt(x + 1); }) { IsBackground = true }.Start();

var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromTextFile(args[0], new[]
{
    new TextLoader.Column("Pixels", DataKind.Single, 0, 63),
    new TextLoader.Column("Digit", DataKind.Single, 64),
}, separatorChar: ',', hasHeader: true);
var prepared = ml.Transforms.Conversion.MapValueToKey("Label", "Digit")
    .Append(ml.Transforms.NormalizeMeanVariance("Features", "Pixels")).Fit(data).Transform(data);
for (int fit = 1; fit <= 2; fit++)
{
    // 1797 rows in batches of 128: each epoch ends with a partial batch of 5; a budget of 1 byte streams every batch.
    var model = ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options
    {
        BatchSize = 128, MaxEpochs = 3, HiddenLayers = new[] { 32 }, MemoryBudgetBytes = 1,
    }).Fit(prepared);
    Console.WriteLine($"fit {fit} weights hash {WeightsHash.Of(model.Model):X16}");
}
stop.Cancel();
return 0;
