using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests;

/// <summary>The digits data shipped in data/ (see data/README.md), standardised per column.</summary>
internal static class TestData
{
    private static (float[,] X, long[] Y)? _digits;

    public static (float[,] X, long[] Y) DigitsRaw()
    {
        if (_digits is { } d) return d;
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "data", "digits.csv")).Skip(1).ToArray();
        int cols = lines[0].Split(',').Length - 1;
        var x = new float[lines.Length, cols];
        var y = new long[lines.Length];
        for (int i = 0; i < lines.Length; i++)
        {
            var parts = lines[i].Split(',');
            for (int j = 0; j < cols; j++) x[i, j] = float.Parse(parts[j], CultureInfo.InvariantCulture);
            y[i] = long.Parse(parts[cols], CultureInfo.InvariantCulture);
        }
        // Standardise each column (population std); constant columns are only centred.
        for (int j = 0; j < cols; j++)
        {
            double mean = 0, sq = 0;
            for (int i = 0; i < y.Length; i++) mean += x[i, j];
            mean /= y.Length;
            for (int i = 0; i < y.Length; i++) sq += (x[i, j] - mean) * (x[i, j] - mean);
            double std = Math.Sqrt(sq / y.Length);
            for (int i = 0; i < y.Length; i++) x[i, j] = (float)((x[i, j] - mean) / (std > 0 ? std : 1));
        }
        _digits = (x, y);
        return _digits.Value;
    }

    /// <summary>Features [1797, 64] and integer labels [1797].</summary>
    public static (Tensor X, Tensor Y) Digits(ScalarType dtype = ScalarType.Float32)
    {
        var (x, y) = DigitsRaw();
        return (torch.tensor(x).to(dtype), torch.tensor(y));
    }
}
