using Cdat.ML.Networks;

namespace Cdat.ML.Tests.Networks;

[TestClass]
public sealed class GemmTests
{
    [TestMethod]
    [DataRow(1, 1, 1)]
    [DataRow(5, 3, 7)]
    [DataRow(37, 6, 16)]
    [DataRow(256, 16, 64)]
    [DataRow(9, 64, 1)]
    [DataRow(13, 1, 19)]
    public void ProductsEqualTheTextbookLoops(int n, int k, int m)
    {
        var random = new Random(n * 1000 + k * 10 + m);
        float[] Random(int size) => Enumerable.Range(0, size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var a = Random(n * k);
        var b = Random(k * m);
        var c = Random(n * m);
        var expected = (float[])c.Clone();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++) sum += (double)a[i * k + p] * b[p * m + j];
                expected[i * m + j] += (float)sum;
            }
        Gemm.Multiply(a, b, c, n, k, m, accumulate: true);
        for (int i = 0; i < c.Length; i++) Assert.AreEqual(expected[i], c[i], 1e-5 * (1 + k), $"C[{i}] of A·B");

        // Aᵀ·B for A [k×n] (rows k) and B [k×m]: C [n×m].
        var at = Random(k * n);
        var transposed = new float[n * k];
        Gemm.Transpose(at, transposed, k, n);
        var product = new float[n * m];
        var viaTranspose = new float[n * m];
        Gemm.MultiplyTransposedA(at, b, product, k, n, m);
        Gemm.Multiply(transposed, b, viaTranspose, n, k, m);
        for (int i = 0; i < product.Length; i++) Assert.AreEqual(viaTranspose[i], product[i], 1e-5 * (1 + k), $"C[{i}] of Aᵀ·B");
    }
}
