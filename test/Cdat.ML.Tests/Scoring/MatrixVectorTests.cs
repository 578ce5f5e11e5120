using Cdat.ML.Scoring;

namespace Cdat.ML.Tests.Scoring;

[TestClass]
public sealed class MatrixVectorTests
{
    [TestMethod]
    [DataRow(3, 5)]     // narrower than one vector: the plain dot product
    [DataRow(19, 17)]   // two blocks of eight rows, a remainder row and a tail of three inputs
    [DataRow(784, 64)]
    public void MatchesADoublePrecisionProduct(int inputs, int outputs)
    {
        var random = new Random(inputs * 31 + outputs);
        float[] weight = Enumerable.Range(0, inputs * outputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] bias = Enumerable.Range(0, outputs).Select(_ => (float)random.NextDouble()).ToArray();
        float[] x = Enumerable.Range(0, inputs).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        var y = new float[outputs];
        MatrixVector.Multiply(weight, bias, x, y, inputs, outputs);
        for (int j = 0; j < outputs; j++)
        {
            double expected = bias[j], scale = Math.Abs(bias[j]);
            for (int p = 0; p < inputs; p++)
            {
                expected += (double)weight[j * inputs + p] * x[p];
                scale += Math.Abs((double)weight[j * inputs + p] * x[p]);
            }
            // Float32 rounding grows with the sum of magnitudes, not with the (possibly cancelling) result.
            Assert.IsTrue(Math.Abs(y[j] - expected) <= 1e-6 * scale, $"output {j}: {y[j]} against {expected}");
        }
    }

    [TestMethod]
    public void ShortSpansAreRejected()
    {
        var y = new float[2];
        Assert.ThrowsExactly<ArgumentException>(() => MatrixVector.Multiply(new float[5], new float[2], new float[3], y, 3, 2));
    }
}
