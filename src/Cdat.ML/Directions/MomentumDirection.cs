using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Directions;

/// <summary>
/// Heavy-ball momentum (optax <c>sgd(momentum)</c>): <c>m ← g + μ·m</c>, <c>u = −m</c>; with Nesterov
/// <c>u = −(g + μ·m)</c>. u need not be a descent direction.
/// </summary>
public sealed class MomentumDirection : IDirection
{
    private readonly ParameterState _momentum = new();

    /// <summary>Default μ.</summary>
    public const double DefaultMomentum = 0.9;

    /// <summary>Creates the direction.</summary>
    /// <param name="momentum">μ in [0, 1). Default 0.9.</param>
    /// <param name="nesterov">Use Nesterov's look-ahead form. Default false.</param>
    public MomentumDirection(double momentum = DefaultMomentum, bool nesterov = false)
    {
        Check.InRange(momentum, 0, 1, nameof(momentum));
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>μ.</summary>
    public double Momentum { get; }
    /// <summary>Nesterov form.</summary>
    public bool Nesterov { get; }
    /// <inheritdoc/>
    public string Name => FormattableString.Invariant($"{(Nesterov ? "nesterov" : "momentum")}({Momentum:G3})");
    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Compute(IReadOnlyList<Tensor> gradient)
    {
        StepCount++;
        using var _ = torch.no_grad();
        var m = _momentum.For(gradient);
        var u = new Tensor[gradient.Count];
        using var momentum = Scalars.Of(Momentum);
        for (int i = 0; i < u.Length; i++)
        {
            m[i].mul_(momentum).add_(gradient[i], alpha: Scalars.One);
            u[i] = Nesterov ? gradient[i].add(m[i], alpha: momentum).neg_() : m[i].neg();
        }
        return u;
    }

    /// <inheritdoc/>
    public IReadOnlyList<Tensor>? Preconditioner() => null;
    /// <inheritdoc/>
    public IReadOnlyList<Tensor>? CurrentGradientShare(IReadOnlyList<Tensor> vector)
    {
        if (StepCount == 0) return null;
        // u = −m with m = μm + g: S = I. Nesterov, u = −(g + μ(μm + g)): S = (1 + μ)I.
        using Scalar share = Scalars.Of(Nesterov ? 1 + Momentum : 1);
        using var _ = torch.no_grad();
        return vector.Select(v => v.mul(share)).ToArray();
    }
    /// <inheritdoc/>
    public double StabilityThreshold(double learningRate) => 2.0 * (1.0 + Momentum) / learningRate;

    /// <inheritdoc/>
    public void Reset()
    {
        StepCount = 0;
        _momentum.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose() => _momentum.Dispose();
}
