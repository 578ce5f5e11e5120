using Cdat.ML.Curvature;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Directions;

/// <summary>
/// Schedule-free AdamW (Defazio et al., 2024, as the authors' reference implementation): gradients are taken at
/// <c>y = (1−β1)·z + β1·x</c>; <c>z</c> takes AdamW steps <c>z ← z − γ·λ·y − γ·g/(√v + ε)</c> with
/// <c>v ← β2·v + (1−β2)·g²</c>, and <c>x</c> is the weighted average <c>x ← (1−c)·x + c·z</c>,
/// <c>c = γ_max²/Σγ_max²</c>, where <c>γ = η·min(1, t/warm-up)·√(1 − β2^t)</c> and <c>γ_max</c> is the largest γ so far.
/// The network holds y while training; x is what is evaluated and kept (<see cref="EvaluationWeights"/>).
/// </summary>
/// <remarks>
/// Schedule-free AdamW is a whole optimizer: η is part of the direction and its update <c>u = y_next − y</c> is not
/// linear in a step size, so pair it with a constant rate of 1 (<c>new ConstantTuner(1)</c>). The training loop then
/// validates and ends with x, as the authors' <c>optimizer.eval()</c> does.
/// </remarks>
public sealed class ScheduleFreeAdamWDirection : IDirection
{
    private readonly ParameterState _v = new();
    private IReadOnlyList<Tensor>? _parameters;
    private Tensor[]? _z, _x;
    private double _maxRate, _weightSum, _lastRate, _lastC = 1;

    /// <summary>The authors' default η.</summary>
    public const double DefaultLearningRate = 0.0025;
    /// <summary>Default β1.</summary>
    public const double DefaultBeta1 = 0.9;
    /// <summary>Default β2.</summary>
    public const double DefaultBeta2 = 0.999;

    /// <summary>Creates the direction.</summary>
    /// <param name="learningRate">η &gt; 0. Default 0.0025 (the authors' default).</param>
    /// <param name="beta1">β1 in [0, 1), the interpolation between x and z. Default 0.9.</param>
    /// <param name="beta2">β2 in [0, 1). Default 0.999.</param>
    /// <param name="epsilon">ε &gt; 0. Default 1e-8.</param>
    /// <param name="weightDecay">Decoupled weight decay λ ≥ 0, applied at y. Default 0.</param>
    /// <param name="warmupSteps">Steps of linear warm-up of γ (≥ 0). Default 0.</param>
    public ScheduleFreeAdamWDirection(double learningRate = DefaultLearningRate, double beta1 = DefaultBeta1, double beta2 = DefaultBeta2, double epsilon = 1e-8,
                                      double weightDecay = 0, int warmupSteps = 0)
    {
        Check.Positive(learningRate, nameof(learningRate));
        Check.InRange(beta1, 0, 1, nameof(beta1));
        Check.InRange(beta2, 0, 1, nameof(beta2));
        Check.Positive(epsilon, nameof(epsilon));
        Check.NonNegative(weightDecay, nameof(weightDecay));
        Check.Require(warmupSteps >= 0, nameof(warmupSteps), "must be ≥ 0", warmupSteps);
        (LearningRate, Beta1, Beta2, Epsilon, WeightDecay, WarmupSteps) = (learningRate, beta1, beta2, epsilon, weightDecay, warmupSteps);
    }

    /// <summary>η.</summary>
    public double LearningRate { get; }
    /// <summary>β1.</summary>
    public double Beta1 { get; }
    /// <summary>β2.</summary>
    public double Beta2 { get; }
    /// <summary>ε.</summary>
    public double Epsilon { get; }
    /// <summary>λ.</summary>
    public double WeightDecay { get; }
    /// <summary>Warm-up steps.</summary>
    public int WarmupSteps { get; }
    /// <inheritdoc/>
    public string Name => "schedule-free-adamw";
    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <summary>The average x, which training ends with; null before <see cref="Bind"/> and after <see cref="Reset"/>.</summary>
    public IReadOnlyList<Tensor>? EvaluationWeights => _x;

    /// <inheritdoc/>
    public void Bind(IReadOnlyList<Tensor> parameters)
    {
        _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        Reset();
        Start();
    }

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Compute(IReadOnlyList<Tensor> gradient)
    {
        if (_parameters is null)
            throw new InvalidOperationException("Schedule-free AdamW needs the weights: use it through CurvatureAwareOptimizer or TrainingLoop, which call Bind.");
        // The first step starts z and x from the weights as they are now (a caller may have set them after Bind).
        if (_z is null || StepCount == 0) Start();
        long k = StepCount++;
        double warm = k < WarmupSteps ? (k + 1.0) / WarmupSteps : 1.0;
        double rate = LearningRate * warm * Math.Sqrt(1 - Math.Pow(Beta2, k + 1));
        _maxRate = Math.Max(_maxRate, rate);
        double weight = _maxRate * _maxRate;
        _weightSum += weight;
        double c = weight / _weightSum;
        (_lastRate, _lastC) = (rate, c);

        using var _ = torch.no_grad();
        var v = _v.For(gradient);
        using Scalar beta2 = Scalars.Of(Beta2), rest2 = Scalars.Of(1 - Beta2), epsilon = Scalars.Of(Epsilon), step = Scalars.Of(-rate),
                     decay = Scalars.Of(-rate * WeightDecay), kept = Scalars.Of(1 - c), added = Scalars.Of(c),
                     beta1 = Scalars.Of(Beta1), rest1 = Scalars.Of(1 - Beta1);
        var u = new Tensor[gradient.Count];
        for (int i = 0; i < u.Length; i++)
        {
            var y = _parameters[i].detach();
            Tensor z = _z![i], x = _x![i];
            if (WeightDecay > 0) z.add_(y, alpha: decay);
            v[i].mul_(beta2).addcmul_(gradient[i], gradient[i], value: rest2);
            using (var denominator = v[i].sqrt().add_(epsilon, Scalars.One))
                z.addcdiv_(gradient[i], denominator, value: step);
            x.mul_(kept).add_(z, alpha: added);
            u[i] = x.mul(beta1).add_(z, alpha: rest1).sub_(y);
        }
        return u;
    }

    /// <summary>
    /// P = (√v + ε)/γ, the z step's preconditioner at the last γ (z moves by −P⁻¹·g; y at once by only −(1 − β1 + β1·c)·P⁻¹·g).
    /// </summary>
    public IReadOnlyList<Tensor>? Preconditioner()
    {
        if (_v.Existing is not { } v || StepCount == 0) return null;
        using var _ = torch.no_grad();
        using Scalar epsilon = Scalars.Of(Epsilon), rate = Scalars.Of(_lastRate);
        return v.Select(t => t.sqrt().add_(epsilon, Scalars.One).div_(rate)).ToArray();
    }

    /// <summary>
    /// The largest preconditioned curvature a for which the (z, x) iteration on a quadratic stays stable:
    /// <c>(4 − 2c) / (2(1 − β1) + c(2β1 − 1))</c> at the last averaging weight c, divided by the tuner's rate (1). It is 2 at
    /// the first step (c = 1) and tends to 2/(1 − β1) as the average slows down.
    /// </summary>
    public double StabilityThreshold(double learningRate) =>
        (4 - 2 * _lastC) / ((2 * (1 - Beta1) + _lastC * (2 * Beta1 - 1)) * learningRate);

    /// <inheritdoc/>
    public void Reset()
    {
        StepCount = 0;
        (_maxRate, _weightSum, _lastRate, _lastC) = (0, 0, 0, 1);
        _v.Dispose();
        DisposeSequences();
    }

    /// <inheritdoc/>
    public void Dispose() => Reset();

    private void Start()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        if (_z is not null && _x is not null)
        {
            for (int i = 0; i < _z.Length; i++) { _z[i].copy_(_parameters![i]); _x[i].copy_(_parameters[i]); }
            return;
        }
        _z = ParameterVectors.DetachedCopies(_parameters!);
        _x = ParameterVectors.DetachedCopies(_parameters!);
    }

    private void DisposeSequences()
    {
        foreach (var t in (_z ?? []).Concat(_x ?? [])) t.Dispose();
        (_z, _x) = (null, null);
    }
}
