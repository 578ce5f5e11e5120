using Cdat.ML.Curvature;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Directions;

/// <summary>
/// Prodigy (Mishchenko &amp; Defazio, 2023, Algorithm 3, Adam version, without bias correction as in the authors' default):
/// Adam whose step is scaled by an estimate d of the distance to the solution, grown from d₀ as
/// <c>r ← √β2·r + (1−√β2)·η·d²·⟨g, w₀ − w⟩</c>, <c>s ← √β2·s + (1−√β2)·η·d²·g</c>, <c>d ← max(d, r / ‖s‖₁)</c>, with
/// <c>m ← β1·m + (1−β1)·d·g</c>, <c>v ← β2·v + (1−β2)·d²·g²</c> and <c>u = −η·d·m / (√v + d·ε)</c> (d before its update).
/// </summary>
/// <remarks>
/// Prodigy is a whole optimizer: η (default 1) is part of the direction, so pair it with a constant rate of 1
/// (<c>new ConstantTuner(1)</c>). It keeps a copy of the starting weights, given by the optimizer through <see cref="Bind"/>.
/// </remarks>
public sealed class ProdigyDirection : IDirection
{
    private readonly ParameterState _m = new(), _v = new(), _s = new();
    private IReadOnlyList<Tensor>? _parameters;
    private Tensor[]? _start;
    private double _r, _stepD;

    /// <summary>Creates the direction.</summary>
    /// <param name="learningRate">η &gt; 0, the multiplier of the estimated step. Default 1 (the authors' advice).</param>
    /// <param name="beta1">β1 in [0, 1). Default 0.9.</param>
    /// <param name="beta2">β2 in [0, 1). Default 0.999.</param>
    /// <param name="epsilon">ε &gt; 0. Default 1e-8.</param>
    /// <param name="initialD">d₀ &gt; 0, the first distance estimate. Default 1e-6.</param>
    public ProdigyDirection(double learningRate = 1.0, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double initialD = 1e-6)
    {
        Check.Positive(learningRate, nameof(learningRate));
        Check.InRange(beta1, 0, 1, nameof(beta1));
        Check.InRange(beta2, 0, 1, nameof(beta2));
        Check.Positive(epsilon, nameof(epsilon));
        Check.Positive(initialD, nameof(initialD));
        (LearningRate, Beta1, Beta2, Epsilon, InitialD) = (learningRate, beta1, beta2, epsilon, initialD);
        D = initialD;
    }

    /// <summary>η.</summary>
    public double LearningRate { get; }
    /// <summary>β1.</summary>
    public double Beta1 { get; }
    /// <summary>β2.</summary>
    public double Beta2 { get; }
    /// <summary>ε.</summary>
    public double Epsilon { get; }
    /// <summary>d₀.</summary>
    public double InitialD { get; }
    /// <summary>The current distance estimate d (used by the next step).</summary>
    public double D { get; private set; }
    private double _largestD = double.MaxValue;
    /// <inheritdoc/>
    public string Name => "prodigy";
    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public void Bind(IReadOnlyList<Tensor> parameters)
    {
        _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        // η·d² becomes a libtorch scalar of the weights' type: d grows at most to where it still fits.
        _largestD = Math.Sqrt(Precision.Largest(parameters) / Math.Max(LearningRate, 1));
        DisposeStart();
    }

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Compute(IReadOnlyList<Tensor> gradient)
    {
        if (_parameters is null)
            throw new InvalidOperationException("Prodigy needs the weights: use it through CurvatureAwareOptimizer or TrainingLoop, which call Bind.");
        StepCount++;
        using var _ = torch.no_grad();
        _start ??= ParameterVectors.DetachedCopies(_parameters);
        var m = _m.For(gradient);
        var v = _v.For(gradient);
        var s = _s.For(gradient);
        double d = Math.Min(D, _largestD), root = Math.Sqrt(Beta2), weight = (1 - root) * LearningRate * d * d;
        _stepD = d;

        var towardStartVector = _start.Select((x0, i) => x0 - _parameters[i].detach()).ToArray();
        double towardStart = ParameterVectors.Dot(gradient, towardStartVector);
        var sAbs = new Tensor[gradient.Count];
        var u = new Tensor[gradient.Count];
        using Scalar beta1 = Scalars.Of(Beta1), dg = Scalars.Of((1 - Beta1) * d), beta2 = Scalars.Of(Beta2), dg2 = Scalars.Of((1 - Beta2) * d * d),
                     rootB2 = Scalars.Of(root), w = Scalars.Of(weight), dEps = Scalars.Of(d * Epsilon), step = Scalars.Of(-LearningRate * d);
        for (int i = 0; i < u.Length; i++)
        {
            var g = gradient[i];
            m[i].mul_(beta1).add_(g, alpha: dg);
            v[i].mul_(beta2).addcmul_(g, g, value: dg2);
            s[i].mul_(rootB2).add_(g, alpha: w);
            sAbs[i] = s[i].abs().sum().to(ScalarType.Float64);
            u[i] = m[i].div(v[i].sqrt().add_(dEps, Scalars.One)).mul_(step);
        }
        // One synchronisation for ‖s‖₁ instead of one per tensor.
        double sNorm = torch.stack(sAbs).sum().item<double>();
        _r = root * _r + weight * towardStart;
        if (sNorm > 0 && double.IsFinite(_r / sNorm)) D = Math.Min(Math.Max(d, _r / sNorm), _largestD);
        return u;
    }

    /// <summary>P with u = −P⁻¹·m̄, m̄ = m/d the gradient average: (√v + d·ε)/(η·d²), with the d of the last step.</summary>
    public IReadOnlyList<Tensor>? Preconditioner()
    {
        if (_v.Existing is not { } v || StepCount == 0) return null;
        using var _ = torch.no_grad();
        using Scalar epsilon = Scalars.Of(_stepD * Epsilon), scale = Scalars.Of(LearningRate * _stepD * _stepD);
        return v.Select(t => t.sqrt().add_(epsilon, Scalars.One).div_(scale)).ToArray();
    }

    /// <summary>Adam's threshold (2 + 2β1)/((1 − β1)·lr) for the preconditioned sharpness.</summary>
    public double StabilityThreshold(double learningRate) => (2.0 + 2.0 * Beta1) / ((1.0 - Beta1) * learningRate);

    /// <inheritdoc/>
    public void Reset()
    {
        StepCount = 0;
        D = InitialD;
        _r = 0;
        _m.Dispose();
        _v.Dispose();
        _s.Dispose();
        DisposeStart();
    }

    private void DisposeStart()
    {
        if (_start is not null) foreach (var t in _start) t.Dispose();
        _start = null;
    }

    /// <inheritdoc/>
    public void Dispose() => Reset();
}
