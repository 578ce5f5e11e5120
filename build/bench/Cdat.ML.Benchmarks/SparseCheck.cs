// The first layer's products on adult's shape (256 rows, 6 numbers and 102 one-hot columns of 8 categories, 64 units):
// the compressed rows of SparseRows against the dense kernels of Gemm. Each product is timed over 3,000 calls after 300
// warm-up calls, twice (the second pass is the one to read). The weight gradient alone reuses its column sort; after a
// read it sorts again, as in training.
//
// Run from the repository root:  dotnet run -c Release --project build/bench/Cdat.ML.Benchmarks -- sparse
using System.Diagnostics;
using Cdat.ML.Networks;

namespace Cdat.ML.Benchmarks;

internal static class SparseCheck
{
    public static void Run()
    {
        var random = new Random(1);
        int rows = 256, inputs = 108, outputs = 64;
        var x = new float[rows * inputs];
        int[] levels = { 9, 16, 7, 15, 6, 5, 2, 42 };
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < 6; c++) x[r * inputs + c] = (float)random.NextDouble();
            for (int g = 0, at = 6; g < levels.Length; at += levels[g++]) x[r * inputs + at + random.Next(levels[g])] = 1;
        }
        var w = Enumerable.Range(0, inputs * outputs).Select(_ => (float)random.NextDouble()).ToArray();
        var wt = new float[inputs * outputs];
        var bias = new float[outputs];
        var o = new float[rows * outputs];
        var d = Enumerable.Range(0, rows * outputs).Select(_ => (float)random.NextDouble()).ToArray();
        var g2 = new float[inputs * outputs];
        var sparse = new SparseRows();
        static void T(string name, Action run)
        {
            for (int i = 0; i < 300; i++) run();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 3000; i++) run();
            Console.WriteLine($"{name,-30} {clock.Elapsed.TotalMilliseconds * 1000 / 3000,8:F1} µs");
        }
        for (int rep = 0; rep < 2; rep++)
        {
            T("read", () => sparse.Read(x, rows, inputs));
            T("transpose W", () => Gemm.Transpose(w, wt, outputs, inputs));
            T("sparse affine", () => sparse.Affine(wt, bias, o, outputs));
            T("dense multiply", () => Gemm.Multiply(x, wt, o, rows, inputs, outputs));
            T("sparse weight gradient", () => sparse.WeightGradient(d, g2, inputs, outputs));
            T("read, then its weight gradient", () => { sparse.Read(x, rows, inputs); sparse.WeightGradient(d, g2, inputs, outputs); });
            T("dense weight gradient", () => Gemm.MultiplyTransposedA(d, x, g2, rows, outputs, inputs));
        }
    }
}
