using Cdat.ML.Diagnostics;

namespace Cdat.ML.Tuners;

/// <summary>Variants of the Polyak step.</summary>
public enum PolyakVariant
{
    /// <summary>SPS_max (Loizou et al., 2021): <c>min((f − f*)/(c‖u‖² + ε), max)</c>, and 0 when f &lt; f*.</summary>
    Max,
    /// <summary>SPS+ (jaxopt): <c>max(f − f*, 0)/(c‖u‖² + ε)</c> with no cap.</summary>
    Plus,
    /// <summary>sps "smooth_iter": the cap is the previous step size times γ^(1/steps per epoch) instead of a constant.</summary>
    Smooth,
}

/// <summary>
/// Polyak step sizes: <c>lr = (f − f*) / (c·‖u‖² + ε)</c>, capped. For gradient descent (u = −g) this is the
/// stochastic Polyak step SPS_max; for other directions it follows optax's <c>scale_by_polyak</c>, which uses ‖u‖².
/// It costs nothing beyond the loss already computed.
/// </summary>
public sealed class PolyakTuner : ILearningRateTuner
{
    private double _previous;

    /// <summary>Default cap of the rate.</summary>
    public const double DefaultMaxLearningRate = 10.0;

    /// <summary>Creates the rule.</summary>
    /// <param name="c">Scaling c &gt; 0 of ‖u‖². Default 1 (jaxopt/optax); Loizou et al. use 0.5 (theory) or 0.2.</param>
    /// <param name="optimalLoss">Lower bound f* of the loss. Default 0 (interpolating models).</param>
    /// <param name="maxLearningRate">Cap γ_b of <see cref="PolyakVariant.Max"/>. Default <see cref="DefaultMaxLearningRate"/> (10).</param>
    /// <param name="epsilon">ε ≥ 0 added to the denominator. Default 0.</param>
    /// <param name="variant">Which variant.</param>
    /// <param name="smoothingGrowth">γ of the smooth variant: the cap may grow by this factor per epoch. Default 2.</param>
    /// <param name="initialLearningRate">The smooth variant's cap before the first step. Default 1.</param>
    public PolyakTuner(double c = 1.0, double optimalLoss = 0.0, double maxLearningRate = DefaultMaxLearningRate, double epsilon = 0.0,
                       PolyakVariant variant = PolyakVariant.Max, double smoothingGrowth = 2.0, double initialLearningRate = 1.0)
    {
        Check.Positive(c, nameof(c));
        if (!double.IsFinite(optimalLoss)) throw new ArgumentOutOfRangeException(nameof(optimalLoss), optimalLoss, "optimalLoss must be finite.");
        Check.Positive(maxLearningRate, nameof(maxLearningRate));
        Check.NonNegative(epsilon, nameof(epsilon));
        if (!double.IsFinite(smoothingGrowth) || smoothingGrowth < 1)
            throw new ArgumentOutOfRangeException(nameof(smoothingGrowth), smoothingGrowth, "smoothingGrowth must be a finite number ≥ 1.");
        Check.Positive(initialLearningRate, nameof(initialLearningRate));
        C = c;
        OptimalLoss = optimalLoss;
        MaxLearningRate = maxLearningRate;
        Epsilon = epsilon;
        Variant = variant;
        SmoothingGrowth = smoothingGrowth;
        InitialLearningRate = initialLearningRate;
        _previous = initialLearningRate;
    }

    /// <summary>Scaling c.</summary>
    public double C { get; }
    /// <summary>Lower bound f*.</summary>
    public double OptimalLoss { get; }
    /// <summary>Cap.</summary>
    public double MaxLearningRate { get; }
    /// <summary>Denominator ε.</summary>
    public double Epsilon { get; }
    /// <summary>Variant.</summary>
    public PolyakVariant Variant { get; }
    /// <summary>Smooth variant's growth per epoch.</summary>
    public double SmoothingGrowth { get; }
    /// <summary>Smooth variant's initial cap.</summary>
    public double InitialLearningRate { get; }

    /// <inheritdoc/>
    public string Name => FormattableString.Invariant($"polyak-{Variant.ToString().ToLowerInvariant()}(c={C:G3},max={MaxLearningRate:G3})");
    /// <inheritdoc/>
    public bool UsesCurvature => false;
    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public TunerStep Propose(IStepContext context)
    {
        StepCount++;
        double gap = context.Loss - OptimalLoss, norm = context.DirectionNormSquared;
        if (!double.IsFinite(gap) || !double.IsFinite(norm)) return TunerStep.Skip(StepFlags.NonFinite);
        double denominator = C * norm + Epsilon;
        if (denominator <= double.Epsilon * Math.Max(1.0, C)) return TunerStep.Skip(StepFlags.ZeroGradient);
        // Below the bound f* the formula would step uphill: take no step (sps, SPS+).
        if (gap <= 0) return TunerStep.Skip(StepFlags.None);

        double lr = gap / denominator;
        double cap = Variant switch
        {
            PolyakVariant.Smooth => _previous * Math.Pow(SmoothingGrowth, 1.0 / Math.Max(1, context.StepsPerEpoch)),
            PolyakVariant.Plus => double.PositiveInfinity,
            _ => MaxLearningRate,
        };
        var flags = StepFlags.None;
        if (lr > cap)
        {
            lr = cap;
            flags |= StepFlags.CapActive;
        }
        _previous = lr;
        return new TunerStep(lr, flags);
    }

    /// <inheritdoc/>
    public void Reset()
    {
        StepCount = 0;
        _previous = InitialLearningRate;
    }
}
