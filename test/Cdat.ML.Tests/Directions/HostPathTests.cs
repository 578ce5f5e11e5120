using Cdat.ML.Directions;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Directions;

/// <summary>The managed loops on float32 CPU tensors against the same updates as libtorch operations.</summary>
[TestClass]
public sealed class HostPathTests
{
    /// <summary>Five Adam steps on tensors of 37 and 64 values (vectors of 8 and a tail), as managed loops and as libtorch operations.</summary>
    private static float[][] AdamSteps(bool hostMemory)
    {
        bool before = HostMemory.Enabled;
        HostMemory.Enabled = hostMemory;
        try
        {
            using var scope = NewDisposeScope();
            using var generator = new Generator(5);
            var parameters = new[] { zeros(37), zeros(8, 8) };
            using IDirection adam = new AdamDirection();
            adam.Bind(parameters);
            var directions = new List<float[]>();
            for (int step = 0; step < 5; step++)
            {
                var gradient = parameters.Select(p => randn(p.shape, generator: generator)).ToArray();
                directions.Add(adam.Compute(gradient).SelectMany(u => u.data<float>().ToArray()).ToArray());
            }
            return directions.ToArray();
        }
        finally
        {
            HostMemory.Enabled = before;
        }
    }

    [TestMethod]
    public void AdamsManagedStepEqualsLibtorchs()
    {
        var managed = AdamSteps(hostMemory: true);
        var reference = AdamSteps(hostMemory: false);
        for (int step = 0; step < managed.Length; step++)
            for (int i = 0; i < managed[step].Length; i++)
                Assert.AreEqual(reference[step][i], managed[step][i], 1e-6 * Math.Max(1, Math.Abs(reference[step][i])), $"step {step + 1}, value {i}");
    }

    [TestMethod]
    public void ManagedDotProductsEqualLibtorchsInFloat64()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(6);
        var a = new[] { randn(1001, generator: generator), randn(7, 9, generator: generator) };
        var b = new[] { randn(1001, generator: generator), randn(7, 9, generator: generator) };
        double expected = a.Zip(b, (x, y) => (x * y).sum(ScalarType.Float64).item<double>()).Sum();
        double managed = ParameterVectors.Dot(a, b);
        Assert.AreEqual(expected, managed, 1e-9 * Math.Abs(expected) + 1e-9);
    }
}
