using System.Globalization;
using Microsoft.ML;

namespace Cdat.ML.TrainCheck;

/// <summary>
/// Fits the multiclass trainer twice with one MLContext on streamed mini-batches (the data exceed the memory budget), the
/// seed drawn from the MLContext, and prints a hash of each model's weights; with "busy", a CPU-bound thread spins beside
/// the training.
/// </summary>
internal static class Streamed
{
    public static int Run(string[] args)
    {
        if (args.Length is < 2 or > 3 || (args.Length == 3 && args[2] != "busy"))
        {
            Console.Error.WriteLine("usage: Cdat.ML.TrainCheck streamed <digits.csv> <threads> [busy]");
            return 2;
        }
        TorchSharp.torch.set_num_threads(int.Parse(args[1], CultureInfo.InvariantCulture));
        using var stop = new CancellationTokenSource();
        if (args.Length == 3)
            new Thread(() => { double x = 1; while (!stop.IsCancellationRequested) x = Math.Sqrt(x + 1); }) { IsBackground = true }.Start();

        var ml = new MLContext(seed: 1);
        var prepared = Digits.Load(ml, args[0]);
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
    }
}
