using Cdat.ML.Diagnostics;
using Cdat.ML.Objectives;
using Cdat.ML.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Benchmarks;

/// <summary>
/// The weights every timed step starts from: the cost of a step depends on the weights, so each benchmark puts them back
/// before every step and all methods time the same computation.
/// </summary>
internal sealed class StartingWeights : IDisposable
{
    private readonly Tensor[] _parameters, _initial;

    public StartingWeights(nn.Module<Tensor, Tensor> network)
    {
        _parameters = network.parameters().Select(p => (Tensor)p).ToArray();
        using (torch.no_grad()) _initial = _parameters.Select(p => p.detach().clone()).ToArray();
    }

    /// <summary>Writes the starting weights back into the network.</summary>
    public void Restore()
    {
        using (torch.no_grad())
            for (int i = 0; i < _parameters.Length; i++) _parameters[i].copy_(_initial[i]);
    }

    /// <summary>Resets <paramref name="optimizer"/>, then takes <paramref name="steps"/> steps, each from the starting weights.</summary>
    public (double Loss, StepFlags Flags) Run(CurvatureAwareOptimizer optimizer, IObjective objective, int steps)
    {
        optimizer.Reset();
        double loss = 0;
        var flags = StepFlags.None;
        for (int i = 0; i < steps; i++)
        {
            Restore();
            var record = optimizer.Step(objective);
            flags |= record.Flags;
            loss = record.Loss;
        }
        return (loss, flags);
    }

    public void Dispose()
    {
        foreach (var w in _initial) w.Dispose();
    }
}
