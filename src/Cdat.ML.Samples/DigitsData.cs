using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Samples;

/// <summary>The digits data set shipped in data/digits.csv, standardised with the training split's statistics.</summary>
internal sealed record DigitsData(Tensor TrainX, Tensor TrainY, Tensor TestX, Tensor TestY)
{
    public static DigitsData Load(double testFraction = 0.2, int seed = 0)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "data", "digits.csv");
        if (!File.Exists(path)) throw new FileNotFoundException($"The digits data is missing: {path}", path);
        var rows = File.ReadLines(path).Skip(1).Select(line => line.Split(',')).ToArray();
        int features = rows[0].Length - 1;
        var x = new float[rows.Length, features];
        var y = new long[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            for (int j = 0; j < features; j++) x[i, j] = float.Parse(rows[i][j], CultureInfo.InvariantCulture);
            y[i] = long.Parse(rows[i][features], CultureInfo.InvariantCulture);
        }

        using var scope = NewDisposeScope();
        var order = torch.randperm(rows.Length, generator: new Generator((ulong)seed));
        int test = (int)(rows.Length * testFraction);
        var all = torch.tensor(x).index_select(0, order);
        var labels = torch.tensor(y).index_select(0, order);
        var trainX = all.narrow(0, test, rows.Length - test);
        var mean = trainX.mean(new long[] { 0 });
        var std = trainX.std(0, unbiased: false).clamp_min(1e-6);
        Tensor Standardise(Tensor t) => ((t - mean) / std).DetachFromDisposeScope();
        return new DigitsData(Standardise(trainX), labels.narrow(0, test, rows.Length - test).DetachFromDisposeScope(),
                              Standardise(all.narrow(0, 0, test)), labels.narrow(0, 0, test).DetachFromDisposeScope());
    }
}
