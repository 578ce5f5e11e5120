using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Objectives;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Objectives;

/// <summary>Training through the managed derivatives follows the trajectory autograd gives.</summary>
[TestClass]
public sealed class AnalyticMlpTests
{
    public TestContext TestContext { get; set; } = null!;

    private static (double[] Losses, double[] Rates, float[] Weights) Train(bool managed, int? batch, Activation activation)
    {
        bool before = AnalyticMlp.Enabled;
        AnalyticMlp.Enabled = managed;
        try
        {
            using var scope = NewDisposeScope();
            var (x, y) = TestData.Digits();
            var network = new MultilayerPerceptron(64, new[] { 16 }, 10, activation).Build(seed: 5);
            using var direction = new AdamDirection();
            var result = new TrainingLoop(network, Losses.SoftmaxCrossEntropy, direction, new CdatTuner(sigma: 1.5, beta: 0.9),
                new TrainingOptions { BatchSize = batch, MaxSteps = 40, Seed = 9, WeightDecay = 1e-4, WeightAverageDecay = batch is null ? null : 0.99 }).Run(x, y);
            return (result.Steps.Select(s => s.Loss).ToArray(), result.Steps.Select(s => s.LearningRate).ToArray(),
                    network.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray());
        }
        finally
        {
            AnalyticMlp.Enabled = before;
        }
    }

    [TestMethod]
    [DataRow(128, Activation.Tanh)]
    [DataRow(128, Activation.Relu)]
    [DataRow(null, Activation.Gelu)]
    public void FortyCdatStepsFollowAutogradsTrajectory(int? batch, Activation activation)
    {
        var managed = Train(managed: true, batch, activation);
        var reference = Train(managed: false, batch, activation);
        // The first steps agree to float32 rounding; near the edge of stability such differences then grow, as they do
        // between thread counts, so later steps are compared by their level.
        double early = Enumerable.Range(0, 5).Max(i => Math.Max(Math.Abs(managed.Losses[i] - reference.Losses[i]) / reference.Losses[i],
                                                                Math.Abs(managed.Rates[i] - reference.Rates[i]) / reference.Rates[i]));
        double late = Math.Abs(managed.Losses[^10..].Average() - reference.Losses[^10..].Average()) / reference.Losses[^10..].Average();
        TestContext.WriteLine($"batch {batch?.ToString() ?? "full"} {activation}: first 5 steps' largest relative difference (loss, rate) {early:G2}; last 10 steps' mean loss {late:G2}");
        // Measured: at most 7.6e-7 over the first 5 steps; at most 0.027 on the last 10 steps' mean loss.
        Assert.IsTrue(early < 1e-5, $"first steps differ by {early:G3}");
        Assert.IsTrue(late < 0.15, $"the last steps' mean loss differs by {late:G3}");
    }

    [TestMethod]
    [DataRow(Activation.Tanh, 10)]
    [DataRow(Activation.Relu, 1)]
    [DataRow(Activation.Gelu, 3)]
    public void ManagedOutputsMatchTheModulesForwardPass(Activation activation, int outputs)
    {
        using var scope = NewDisposeScope();
        // 600 rows: three 256-row chunks, the last partial; the first on one core, the other two on the other.
        var x = randn(600, 12, generator: new Generator(3));
        var network = new MultilayerPerceptron(12, new[] { 32, 16 }, outputs, activation).Build(seed: 2);
        using var managed = AnalyticMlp.Outputs(network, x);
        Assert.IsNotNull(managed, "the trainer's perceptron on CPU float32 rows takes the managed forward pass");
        using var expected = network.forward(x).detach();
        double worst = (managed - expected).abs().max().item<float>() / (double)expected.abs().max().item<float>();
        TestContext.WriteLine($"{activation}, {outputs} outputs: largest difference {worst:G2} of the largest output");
        // Measured: at most 1e-6.
        Assert.IsTrue(worst < 1e-5, $"outputs differ by {worst:G3}");
        Assert.IsNull(AnalyticMlp.Outputs(network, x.to(ScalarType.Float64)), "float64 rows keep the module's forward pass");
    }

    [TestMethod]
    public void AValidationPassBetweenAStepsGradientAndCurvatureChangesNeither()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        // One-hot rows, read sparse: 3 numbers and a category of 37.
        Tensor OneHot(int rows) => cat(new[] { randn(new long[] { rows, 3 }, generator: generator),
                                               nn.functional.one_hot(randint(0, 37, new long[] { rows }, generator: generator), 37).to(ScalarType.Float32) }, 1);
        var x = OneHot(64);
        var y = randn(new long[] { 64, 1 }, generator: generator);
        var other = OneHot(300);
        var network = new MultilayerPerceptron(40, new[] { 70 }, 1, Activation.Tanh).Build(seed: 4);
        var parameters = network.parameters().Select(p => (Tensor)p).ToArray();
        var u = parameters.Select(p => randn(p.shape, generator: generator)).ToArray();

        var alone = new SupervisedObjective(network, Losses.SquaredError, x, y).Analytic(parameters)!;
        var (loss, _) = alone.LossAndGradient();
        double curvature = alone.Quadratic(u);

        var interrupted = new SupervisedObjective(network, Losses.SquaredError, x, y).Analytic(parameters)!;
        var (lossAgain, _) = interrupted.LossAndGradient();
        using var outputs = AnalyticMlp.Outputs(network, other);
        Assert.IsNotNull(outputs);
        Assert.AreEqual(loss, lossAgain);
        Assert.AreEqual(curvature, interrupted.Quadratic(u), "the curvature after another batch's forward pass");
    }
}
