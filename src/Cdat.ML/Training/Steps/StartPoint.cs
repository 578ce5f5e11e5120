using Cdat.ML.Curvature;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Training.Steps;

/// <summary>
/// Where the parameters started, kept only for rules that ask for distances from it (DoG): a copy is taken on the first
/// request, so rules that never ask pay no memory.
/// </summary>
internal sealed class StartPoint(Tensor[] parameters) : IDisposable
{
    private Tensor[]? _start;
    private double _norm;

    /// <summary>(‖w − w₀‖, ‖w₀‖); the first call records w₀ = w.</summary>
    public (double Distance, double StartNorm) Measure()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        if (_start is null)
        {
            _start = ParameterVectors.DetachedCopies(parameters);
            _norm = Math.Sqrt(ParameterVectors.Dot(_start, _start));
            return (0.0, _norm);
        }
        var difference = parameters.Select((p, i) => p.detach().sub(_start[i])).ToArray();
        return (Math.Sqrt(ParameterVectors.Dot(difference, difference)), _norm);
    }

    /// <summary>Forgets w₀: the next request records a new one.</summary>
    public void Reset()
    {
        if (_start is null) return;
        foreach (var t in _start) t.Dispose();
        _start = null;
    }

    public void Dispose() => Reset();
}
