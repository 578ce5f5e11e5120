using Cdat.ML.Curvature;
using Cdat.ML.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Training.Steps;

/// <summary>
/// Losses at trial points w + lr·u for line searches. The parameters are written in place (the snapshot is taken on
/// the first trial) and <see cref="Restore"/> puts them back.
/// </summary>
internal sealed class TrialPoints(Tensor[] parameters, IReadOnlyList<Tensor> direction, IObjective objective) : IDisposable
{
    private Tensor[]? _snapshot;

    /// <summary>The largest rate libtorch converts to the parameters' type (beyond it, it throws).</summary>
    private double Largest { get; } = Precision.Largest(parameters);

    /// <summary>
    /// Whether a trial moved the parameters. In-place writes bump their autograd version: a graph kept from before no longer
    /// matches them, and differentiating through it would abort the process inside libtorch.
    /// </summary>
    public bool MovedParameters => _snapshot is not null;

    /// <summary>f(w + lr·u) on the step's batch; NaN when not finite, or for a rate the weights' float type cannot hold.</summary>
    public double LossAt(double learningRate)
    {
        if (!double.IsFinite(learningRate) || Math.Abs(learningRate) > Largest) return double.NaN;
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        // Outside every scope: a tuner may call this inside a scope of its own.
        _snapshot ??= ParameterVectors.DetachedCopies(parameters);
        using var rate = Scalars.Of(learningRate);
        for (int i = 0; i < parameters.Length; i++)
            parameters[i].copy_(_snapshot[i].add(direction[i], alpha: rate));
        double sum = ObjectiveValue.Of(objective);
        return double.IsFinite(sum) ? sum : double.NaN;
    }

    /// <summary>Puts the parameters back where the step started if a trial moved them.</summary>
    public void Restore()
    {
        if (_snapshot is null) return;
        using var _ = torch.no_grad();
        for (int i = 0; i < _snapshot.Length; i++) parameters[i].copy_(_snapshot[i]);
    }

    public void Dispose()
    {
        if (_snapshot is null) return;
        foreach (var t in _snapshot) t.Dispose();
    }
}
