using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Directions;

/// <summary>
/// RMSProp with optax semantics (not TorchSharp's): <c>ν ← ρ·ν + (1−ρ)·g²</c>, <c>u = −g / sqrt(ν + ε)</c>,
/// ε inside the square root, no bias correction, ν starting at 0.
/// </summary>
public sealed class RmsPropDirection : IDirection
{
    private readonly ParameterState _nu = new();

    /// <summary>Default decay.</summary>
    public const double DefaultDecay = 0.9;

    /// <summary>Creates the direction.</summary>
    /// <param name="decay">ρ in [0, 1). Default 0.9.</param>
    /// <param name="epsilon">ε &gt; 0 inside the square root. Default 1e-8.</param>
    public RmsPropDirection(double decay = DefaultDecay, double epsilon = 1e-8)
    {
        Check.InRange(decay, 0, 1, nameof(decay));
        Check.Positive(epsilon, nameof(epsilon));
        Decay = decay;
        Epsilon = epsilon;
    }

    /// <summary>ρ.</summary>
    public double Decay { get; }
    /// <summary>ε.</summary>
    public double Epsilon { get; }
    /// <inheritdoc/>
    public string Name => "rmsprop";
    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Compute(IReadOnlyList<Tensor> gradient)
    {
        StepCount++;
        using var _ = torch.no_grad();
        var nu = _nu.For(gradient);
        var u = new Tensor[gradient.Count];
        using Scalar decay = Scalars.Of(Decay), rest = Scalars.Of(1 - Decay), epsilon = Scalars.Of(Epsilon);
        for (int i = 0; i < u.Length; i++)
        {
            nu[i].mul_(decay).addcmul_(gradient[i], gradient[i], value: rest);
            u[i] = gradient[i].div(nu[i].add(epsilon, Scalars.One).sqrt_()).neg_();
        }
        return u;
    }

    /// <inheritdoc/>
    public IReadOnlyList<Tensor>? Preconditioner()
    {
        if (_nu.Existing is not { } nu) return null;
        using var _ = torch.no_grad();
        using var epsilon = Scalars.Of(Epsilon);
        return nu.Select(v => v.add(epsilon, Scalars.One).sqrt_()).ToArray();
    }

    /// <inheritdoc/>
    public double StabilityThreshold(double learningRate) => 2.0 / learningRate;

    /// <inheritdoc/>
    public IReadOnlyList<Tensor>? CurrentGradientShare(IReadOnlyList<Tensor> vector)
    {
        // u = −g/P: S = P⁻¹.
        if (Preconditioner() is not { } p) return null;
        using var _ = torch.no_grad();
        return vector.Select((v, i) => v.div(p[i])).ToArray();
    }

    /// <inheritdoc/>
    public void Reset()
    {
        StepCount = 0;
        _nu.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose() => _nu.Dispose();
}
