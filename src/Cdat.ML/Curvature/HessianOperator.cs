using Cdat.ML.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Curvature;

/// <summary>
/// Exact Hessian-vector products of an objective by double backward (reverse over reverse). With one chunk the
/// gradient's graph is built once and reused for every product; with several chunks each product rebuilds one chunk
/// graph at a time, so memory stays bounded by a chunk. Create and use it inside a dispose scope.
/// </summary>
internal sealed class HessianOperator
{
    private readonly IReadOnlyList<Tensor> _parameters;
    private readonly IObjective _objective;
    private readonly Tensor[]? _gradient;

    /// <summary>Prepares products for <paramref name="objective"/> at the current parameters.</summary>
    public HessianOperator(IReadOnlyList<Tensor> parameters, IObjective objective)
    {
        _parameters = parameters;
        _objective = objective;
        if (objective.ChunkCount == 1)
        {
            using var _ = torch.enable_grad();
            Loss = objective.ChunkLoss(0);
            _gradient = SafeAutograd.Grad(Loss, parameters, createGraph: true);
        }
    }

    /// <summary>Wraps a gradient that already carries its graph (built with <c>create_graph</c>), to reuse it.</summary>
    internal HessianOperator(IReadOnlyList<Tensor> parameters, IObjective objective, Tensor loss, Tensor[] gradientWithGraph)
    {
        _parameters = parameters;
        _objective = objective;
        Loss = loss;
        _gradient = gradientWithGraph;
    }

    /// <summary>The loss the single-chunk graph was built from (null with several chunks).</summary>
    public Tensor? Loss { get; }

    /// <summary>H·v, with v shaped like the parameters; the result is detached.</summary>
    public Tensor[] Apply(IReadOnlyList<Tensor> v)
    {
        using var _ = torch.enable_grad();
        if (_gradient is not null) return Product(_gradient, v);

        Tensor[]? total = null;
        for (int c = 0; c < _objective.ChunkCount; c++)
        {
            using var scope = torch.NewDisposeScope();
            var g = SafeAutograd.Grad(_objective.ChunkLoss(c), _parameters, createGraph: true);
            var hv = Product(g, v);
            if (total is null)
            {
                total = hv.Select(t => t.MoveToOuterDisposeScope()).ToArray();
            }
            else
            {
                using var __ = torch.no_grad();
                for (int i = 0; i < total.Length; i++) total[i].add_(hv[i], alpha: Scalars.One);
            }
        }
        return total!;
    }

    /// <summary>vᵀHv in float64.</summary>
    public double Quadratic(IReadOnlyList<Tensor> v)
    {
        if (_gradient is not null)
        {
            using var scope = torch.NewDisposeScope();
            return ParameterVectors.Dot(Product(_gradient, v), v);
        }
        // vᵀHv is additive over chunks: no need to keep the summed product.
        double sum = 0;
        for (int c = 0; c < _objective.ChunkCount; c++)
        {
            using var scope = torch.NewDisposeScope();
            using var _ = torch.enable_grad();
            var g = SafeAutograd.Grad(_objective.ChunkLoss(c), _parameters, createGraph: true);
            sum += ParameterVectors.Dot(Product(g, v), v);
        }
        return sum;
    }

    private Tensor[] Product(Tensor[] gradient, IReadOnlyList<Tensor> v)
    {
        // s = Σ gᵢ·vᵢ with v constant; ∂s/∂w = H·v.
        Tensor? s = null;
        for (int i = 0; i < gradient.Length; i++)
        {
            var term = (gradient[i] * v[i].detach()).sum();
            s = s is null ? term : s.add(term, Scalars.One);
        }
        var hv = SafeAutograd.Grad(s!, _parameters, createGraph: false);
        for (int i = 0; i < hv.Length; i++) hv[i] = hv[i].detach();
        return hv;
    }
}
