using Cdat.ML.Networks;

namespace Cdat.ML.Tests.Networks;

[TestClass]
public sealed class SparseRowsTests
{
    private const int Inputs = 40;

    /// <summary><paramref name="rows"/> rows of 3 numbers and a one-hot category of 37 (or, dense, 40 numbers).</summary>
    private static float[] Rows(Random random, int rows, bool dense = false)
    {
        var x = new float[rows * Inputs];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < (dense ? Inputs : 3); c++) x[r * Inputs + c] = (float)(random.NextDouble() * 2 - 1);
            if (!dense) x[r * Inputs + 3 + random.Next(Inputs - 3)] = 1;
        }
        return x;
    }

    [TestMethod]
    [DataRow(64)]
    [DataRow(70)]
    [DataRow(5)]
    public void ProductsEqualTheDenseKernelsAcrossBatchesOfEverySize(int outputs)
    {
        var random = new Random(outputs);
        var w = Enumerable.Range(0, outputs * Inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var bias = Enumerable.Range(0, outputs).Select(_ => (float)random.NextDouble()).ToArray();
        var transposed = new float[Inputs * outputs];
        Gemm.Transpose(w, transposed, outputs, Inputs);
        var sparse = new SparseRows();
        Assert.IsTrue(sparse.Read(Rows(random, 10), 10, Inputs), "4 non-zeros of 40 are read sparse");
        Assert.IsFalse(sparse.Read(Rows(random, 10, dense: true), 10, Inputs), "dense rows are not");
        // A smaller batch after a larger one and after a dense one: nothing of either may remain.
        const int rows = 5;
        var x = Rows(random, rows);
        Assert.IsTrue(sparse.Read(x, rows, Inputs));

        var output = new float[rows * outputs];
        sparse.Affine(transposed, bias, output, outputs);
        var expected = new float[rows * outputs];
        Gemm.FillRows(bias, expected, rows);
        Gemm.Multiply(x, transposed, expected, rows, Inputs, outputs, accumulate: true);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], output[i], 1e-5, $"output {i}");

        var d = Enumerable.Range(0, rows * outputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var gradient = new float[outputs * Inputs];
        var expectedGradient = new float[outputs * Inputs];
        for (int repeat = 0; repeat < 2; repeat++)
        {
            sparse.WeightGradient(d, gradient, Inputs, outputs);
            Gemm.MultiplyTransposedA(d, x, expectedGradient, rows, outputs, Inputs);
            for (int i = 0; i < expectedGradient.Length; i++) Assert.AreEqual(expectedGradient[i], gradient[i], 1e-5, $"gradient {i}, call {repeat + 1}");
        }
    }

    [TestMethod]
    public void ShortRowsAreRejected()
    {
        var sparse = new SparseRows();
        Assert.ThrowsExactly<ArgumentException>(() => sparse.Read(new float[Inputs * 3 - 1], 3, Inputs));
    }
}
