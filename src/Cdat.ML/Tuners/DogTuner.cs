using Cdat.ML.Diagnostics;

namespace Cdat.ML.Tuners;

/// <summary>
/// DoG, Distance over Gradients (Ivgi et al., 2023), a learning-rate-free rule for SGD:
/// <c>lr_t = r̄_t / sqrt(Σ_{i≤t} ‖u_i‖² + ε)</c> with <c>r̄_t = max(r_ε, max_{i≤t} ‖w_i − w_0‖)</c> and
/// <c>r_ε = relativeInitialDistance · (1 + ‖w_0‖)</c>, as the authors' reference implementation computes it.
/// </summary>
/// <remarks>
/// With the gradient-descent direction (u = −g) this is exactly DoG. With another direction the sum runs over that
/// direction's norms ‖u‖², so that the step w ← w + lr·u keeps DoG's scale (over ‖g‖ a momentum or Adam direction would
/// run away); that variant is ours, not the paper's. The record's <c>SmoothedNumerator</c> and <c>SmoothedDenominator</c>
/// carry r̄ and the root of the sum. The authors recommend averaging the iterates (<c>WeightAverageDecay</c>).
/// </remarks>
public sealed class DogTuner : ILearningRateTuner
{
    private double _distance, _normSum;
    private bool _started;

    /// <summary>Default r_ε relative to 1 + ‖w₀‖ (the paper's 1e-6).</summary>
    public const double DefaultRelativeInitialDistance = 1e-6;

    /// <summary>Creates the rule.</summary>
    /// <param name="relativeInitialDistance">r_ε / (1 + ‖w₀‖) &gt; 0: the first step's length scale. Default 1e-6.</param>
    /// <param name="epsilon">ε ≥ 0 added to the sum of squared update norms. Default 1e-8.</param>
    public DogTuner(double relativeInitialDistance = DefaultRelativeInitialDistance, double epsilon = 1e-8)
    {
        Check.Positive(relativeInitialDistance, nameof(relativeInitialDistance));
        Check.NonNegative(epsilon, nameof(epsilon));
        RelativeInitialDistance = relativeInitialDistance;
        Epsilon = epsilon;
    }

    /// <summary>r_ε / (1 + ‖w₀‖).</summary>
    public double RelativeInitialDistance { get; }
    /// <summary>ε of the norm sum.</summary>
    public double Epsilon { get; }
    /// <summary>r̄ after the last step: the largest distance from the start seen.</summary>
    public double MaxDistance => _distance;

    /// <inheritdoc/>
    public string Name => "dog";
    /// <inheritdoc/>
    public bool UsesCurvature => false;
    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public TunerStep Propose(IStepContext context)
    {
        StepCount++;
        // The start is recorded at the first step, whatever that step does.
        var (distance, startNorm) = context.DistanceFromStart();
        if (!_started) (_distance, _started) = (RelativeInitialDistance * (1 + startNorm), true);
        double uu = context.DirectionNormSquared;
        if (!double.IsFinite(uu) || !double.IsFinite(distance)) return TunerStep.Skip(StepFlags.NonFinite);
        _distance = Math.Max(_distance, distance);
        _normSum += uu;
        double denominator = Math.Sqrt(_normSum + Epsilon);
        if (denominator == 0) return TunerStep.Skip(StepFlags.ZeroGradient);
        return new TunerStep(_distance / denominator, SmoothedNumerator: _distance, SmoothedDenominator: denominator);
    }

    /// <inheritdoc/>
    public void Reset()
    {
        StepCount = 0;
        _distance = 0;
        _normSum = 0;
        _started = false;
    }
}
