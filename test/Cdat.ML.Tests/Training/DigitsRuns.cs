using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Training;

/// <summary>Full-batch runs on the digits data with a small tanh MLP and squared loss: the edge-of-stability setting.</summary>
internal static class DigitsRuns
{
    public static TrainingResult Run(ILearningRateTuner tuner, long steps, int sharpnessEvery, int[]? hidden = null,
                                     OptimizerOptions? optimizer = null, IDirection? direction = null, long seed = 0, int? batchSize = null)
    {
        using var scope = NewDisposeScope();
        var (x, labels) = TestData.Digits();
        var y = Losses.OneHot(labels, 10);
        var net = new MultilayerPerceptron(64, hidden ?? new[] { 32, 32 }, 10, Activation.Tanh).Build(seed);
        using var dir = direction ?? new GradientDescentDirection();
        var loop = new TrainingLoop(net, Losses.SquaredError, dir, tuner, new TrainingOptions
        {
            MaxSteps = steps,
            BatchSize = batchSize,
            Seed = seed,
            Optimizer = (optimizer ?? new OptimizerOptions()) with { SharpnessEvery = sharpnessEvery },
        });
        return loop.Run(x, y);
    }

    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    /// <summary>Median of lr·sharpness/2 over the measurements in the last <paramref name="fraction"/> of the run.</summary>
    public static double LateEdge(TrainingResult result, double fraction = 0.3)
    {
        long from = (long)(result.Steps.Count * (1 - fraction));
        return Median(result.Steps.Where(s => s.Step > from && s.Edge is not null).Select(s => s.Edge!.Value));
    }
}
