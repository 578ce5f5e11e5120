using Cdat.ML.Networks;

namespace Cdat.ML.Tests.Networks;

[TestClass]
public sealed class GemmTests
{
    // Shapes of every kernel and tail: 16- and 8-column blocks, rows past a multiple of 4, 1-7 output columns (a
    // regression or classification head), input widths that are not a multiple of 8 (12, 54 and 108 features), and
    // empty matrices.
    [TestMethod]
    [DataRow(1, 1, 1)]
    [DataRow(5, 3, 7)]
    [DataRow(37, 6, 16)]
    [DataRow(256, 16, 64)]
    [DataRow(9, 64, 1)]
    [DataRow(13, 1, 19)]
    [DataRow(256, 12, 64)]
    [DataRow(256, 64, 7)]
    [DataRow(7, 54, 64)]
    [DataRow(30, 108, 64)]
    [DataRow(33, 64, 100)]
    [DataRow(6, 5, 24)]
    [DataRow(0, 5, 8)]
    [DataRow(4, 0, 9)]
    public void ProductsEqualTheTextbookLoops(int n, int k, int m)
    {
        var random = new Random(n * 1000 + k * 10 + m);
        float[] Random(int size) => Enumerable.Range(0, size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var a = Random(n * k);
        var b = Random(k * m);
        var start = Random(n * m);
        var sums = new float[n * m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++) sum += (double)a[i * k + p] * b[p * m + j];
                sums[i * m + j] = (float)sum;
            }
        double tolerance = 1e-5 * (1 + k);

        var accumulated = (float[])start.Clone();
        Gemm.Multiply(a, b, accumulated, n, k, m, accumulate: true);
        for (int i = 0; i < sums.Length; i++) Assert.AreEqual(start[i] + sums[i], accumulated[i], tolerance, $"C[{i}] of C + A·B");
        var overwritten = (float[])start.Clone();
        Gemm.Multiply(a, b, overwritten, n, k, m);
        for (int i = 0; i < sums.Length; i++) Assert.AreEqual(sums[i], overwritten[i], tolerance, $"C[{i}] of A·B");

        // Aᵀ·B with Aᵀ stored as A's transpose [k×n]: the same sums.
        var at = new float[k * n];
        Gemm.Transpose(a, at, n, k);
        for (int i = 0; i < n; i++)
            for (int p = 0; p < k; p++) Assert.AreEqual(a[i * k + p], at[p * n + i], $"Aᵀ[{p},{i}]");
        var product = Random(n * m);
        Gemm.MultiplyTransposedA(at, b, product, k, n, m);
        for (int i = 0; i < sums.Length; i++) Assert.AreEqual(sums[i], product[i], tolerance, $"C[{i}] of Aᵀ·B");
    }
}
