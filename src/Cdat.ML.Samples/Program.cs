// A minimal curvature-aware training on the digits data: full-batch gradient descent whose learning rate is set by
// CDAT (sigma = 2, "on the edge of stability") beside the same network trained at a constant learning rate.
using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Samples;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

const int Steps = 500;
var data = DigitsData.Load();
Console.WriteLine($"digits: {data.TrainX.shape[0]} training rows, {data.TestX.shape[0]} test rows, {data.TrainX.shape[1]} features");
Console.WriteLine($"network: 64-32-32-10 tanh, squared loss, full-batch gradient descent, {Steps} steps, sharpness every 25 steps\n");

foreach (var tuner in new ILearningRateTuner[] { new CdatTuner(sigma: 2), new ConstantTuner(0.5) })
{
    using var scope = NewDisposeScope();
    var network = new MultilayerPerceptron(64, new[] { 32, 32 }, 10, Activation.Tanh).Build(seed: 0);
    using var direction = new GradientDescentDirection();
    var loop = new TrainingLoop(network, Losses.SquaredError, direction, tuner, new TrainingOptions
    {
        MaxSteps = Steps,
        Optimizer = new OptimizerOptions { SharpnessEvery = 25 },
    });

    Console.WriteLine($"== {tuner.Name}");
    Console.WriteLine($"{"step",6} {"loss",10} {"lr",9} {"sharpness",10} {"2/lr",8} {"edge",6}");
    var result = loop.Run(data.TrainX, Losses.OneHot(data.TrainY, 10), new InlineProgress(r =>
    {
        if (r.Sharpness is not null && ((r.Step - 1) % 100 == 0 || r.Step + 25 > Steps))
            Console.WriteLine($"{r.Step,6} {r.Loss,10:F5} {r.LearningRate,9:F4} {r.Sharpness,10:F3} {2 / r.LearningRate,8:F3} {r.Edge,6:F3}");
    }));

    double accuracy;
    using (no_grad())
    {
        network.eval();
        accuracy = network.call(data.TestX).argmax(1).eq(data.TestY).to(ScalarType.Float64).mean().item<double>();
    }
    var rates = result.Steps.Select(s => s.LearningRate).ToArray();
    Console.WriteLine($"final training loss {result.FinalLoss:F5}, test accuracy {accuracy:P1}, " +
                      $"learning rate {rates.Min():G3}..{rates.Max():G3} (mean {rates.Average():G3}), " +
                      $"{result.Steps.Average(s => s.Milliseconds):F2} ms/step\n");
}

/// <summary>Reports synchronously on the training thread (System.Progress would post to the thread pool).</summary>
internal sealed class InlineProgress(Action<StepRecord> report) : IProgress<StepRecord>
{
    public void Report(StepRecord value) => report(value);
}
