using Cdat.ML.Diagnostics;

namespace Cdat.ML.Tuners;

/// <summary>What <see cref="ArmijoTuner"/> does when no trial meets the sufficient-decrease condition.</summary>
public enum ArmijoFailurePolicy
{
    /// <summary>Take the last (smallest) trial anyway; take no step if its loss was not finite (optax, jaxopt).</summary>
    UseLast,
    /// <summary>Take no step.</summary>
    Zero,
    /// <summary>Move by a tiny fixed learning rate (1e-6) but remember the reduced trial for the next step (sls).</summary>
    TinyStep,
}

/// <summary>Parameter sets of public Armijo implementations.</summary>
public enum ArmijoPreset
{
    /// <summary>optax <c>scale_by_backtracking_linesearch</c>: c = 1e-4, ×0.8 / ×1.5, max lr 1, 15 backtracks.</summary>
    Optax,
    /// <summary>jaxopt <c>ArmijoSGD</c>: c = 0.1, ×0.8 / ×1.5, max lr 1, 15 backtracks.</summary>
    Jaxopt,
    /// <summary>sls (Vaswani et al., 2019): c = 0.1, ×0.9, growth 2 per epoch, 100 trials, tiny step on failure.</summary>
    Sls,
}

/// <summary>
/// Backtracking line search with the Armijo sufficient-decrease condition
/// <c>f(w + lr·u) ≤ (1 + rtol)·f(w) + c·lr·gᵀu + atol</c>, evaluated on the step's own batch.
/// Each step starts from <c>min(increase · previous, max)</c> and multiplies by <c>decrease</c> until accepted.
/// </summary>
public sealed class ArmijoTuner : ILearningRateTuner
{
    /// <summary>Default largest learning rate tried.</summary>
    public const double DefaultMaxLearningRate = 10.0;

    /// <summary>Fixed step taken by <see cref="ArmijoFailurePolicy.TinyStep"/>.</summary>
    public const double TinyLearningRate = 1e-6;

    private double _previous;

    /// <summary>Creates a line search.</summary>
    /// <param name="c">Sufficient-decrease slope c in (0, 1). Default 1e-4 (optax).</param>
    /// <param name="decreaseFactor">Backtracking factor in (0, 1). Default 0.8.</param>
    /// <param name="increaseFactor">Warm-start growth ≥ 1 per step. Default 1.5. Ignored when <paramref name="growthPerEpoch"/> is set.</param>
    /// <param name="maxLearningRate">Largest learning rate tried. Default <see cref="DefaultMaxLearningRate"/> (10).</param>
    /// <param name="maxBacktrackingSteps">Backtracks after the first trial (at most this + 1 evaluations). Default 15.</param>
    /// <param name="initialLearningRate">Learning rate before the first step. Default 1.</param>
    /// <param name="failurePolicy">What to do when no trial is accepted.</param>
    /// <param name="growthPerEpoch">sls-style warm start: multiply by growth^(1/steps per epoch) each step.</param>
    /// <param name="relativeTolerance">rtol slack on f(w). Default 0.</param>
    /// <param name="absoluteTolerance">atol slack. Default 0.</param>
    public ArmijoTuner(double c = 1e-4, double decreaseFactor = 0.8, double increaseFactor = 1.5, double maxLearningRate = DefaultMaxLearningRate,
                       int maxBacktrackingSteps = 15, double initialLearningRate = 1.0,
                       ArmijoFailurePolicy failurePolicy = ArmijoFailurePolicy.UseLast, double? growthPerEpoch = null,
                       double relativeTolerance = 0.0, double absoluteTolerance = 0.0)
    {
        Check.InRange(c, double.Epsilon, 1, nameof(c));
        Check.InRange(decreaseFactor, double.Epsilon, 1, nameof(decreaseFactor));
        if (!double.IsFinite(increaseFactor) || increaseFactor < 1)
            throw new ArgumentOutOfRangeException(nameof(increaseFactor), increaseFactor, "increaseFactor must be a finite number ≥ 1.");
        Check.Positive(maxLearningRate, nameof(maxLearningRate));
        if (maxBacktrackingSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(maxBacktrackingSteps), maxBacktrackingSteps, "maxBacktrackingSteps must be ≥ 0.");
        Check.Positive(initialLearningRate, nameof(initialLearningRate));
        if (growthPerEpoch is double g && (!double.IsFinite(g) || g < 1))
            throw new ArgumentOutOfRangeException(nameof(growthPerEpoch), g, "growthPerEpoch must be a finite number ≥ 1.");
        Check.NonNegative(relativeTolerance, nameof(relativeTolerance));
        Check.NonNegative(absoluteTolerance, nameof(absoluteTolerance));

        C = c;
        DecreaseFactor = decreaseFactor;
        IncreaseFactor = increaseFactor;
        MaxLearningRate = maxLearningRate;
        MaxBacktrackingSteps = maxBacktrackingSteps;
        InitialLearningRate = initialLearningRate;
        FailurePolicy = failurePolicy;
        GrowthPerEpoch = growthPerEpoch;
        RelativeTolerance = relativeTolerance;
        AbsoluteTolerance = absoluteTolerance;
        _previous = initialLearningRate;
    }

    /// <summary>Creates the line search with a published implementation's parameters.</summary>
    /// <param name="preset">Which implementation to follow.</param>
    /// <param name="maxLearningRate">Overrides the preset's largest learning rate (e.g. 10 for small networks).</param>
    public static ArmijoTuner FromPreset(ArmijoPreset preset, double? maxLearningRate = null) => preset switch
    {
        ArmijoPreset.Optax => new ArmijoTuner(1e-4, 0.8, 1.5, maxLearningRate ?? DefaultMaxLearningRate, 15, 1.0, ArmijoFailurePolicy.UseLast),
        ArmijoPreset.Jaxopt => new ArmijoTuner(0.1, 0.8, 1.5, maxLearningRate ?? DefaultMaxLearningRate, 15, 1.0, ArmijoFailurePolicy.UseLast),
        ArmijoPreset.Sls => new ArmijoTuner(0.1, 0.9, 1.0, maxLearningRate ?? double.MaxValue, 99, 1.0,
                                            ArmijoFailurePolicy.TinyStep, growthPerEpoch: 2.0),
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown Armijo preset."),
    };

    /// <summary>Sufficient-decrease slope c.</summary>
    public double C { get; }
    /// <summary>Backtracking factor.</summary>
    public double DecreaseFactor { get; }
    /// <summary>Warm-start growth per step.</summary>
    public double IncreaseFactor { get; }
    /// <summary>Largest learning rate tried.</summary>
    public double MaxLearningRate { get; }
    /// <summary>Backtracks after the first trial.</summary>
    public int MaxBacktrackingSteps { get; }
    /// <summary>Learning rate before the first step.</summary>
    public double InitialLearningRate { get; }
    /// <summary>Policy on failure.</summary>
    public ArmijoFailurePolicy FailurePolicy { get; }
    /// <summary>sls-style growth per epoch, if set.</summary>
    public double? GrowthPerEpoch { get; }
    /// <summary>Relative slack.</summary>
    public double RelativeTolerance { get; }
    /// <summary>Absolute slack.</summary>
    public double AbsoluteTolerance { get; }
    /// <summary>The last accepted (or, after a failure, last tried) learning rate: the next warm start's base.</summary>
    public double PreviousLearningRate => _previous;

    /// <inheritdoc/>
    public string Name => FormattableString.Invariant($"armijo(c={C:G3})");
    /// <inheritdoc/>
    public bool UsesCurvature => false;
    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public TunerStep Propose(IStepContext context)
    {
        StepCount++;
        double f = context.Loss, slope = context.GradientDotDirection;
        if (!double.IsFinite(f) || !double.IsFinite(slope)) return TunerStep.Skip(StepFlags.NonFinite);
        // Backtracking only terminates along a descent direction.
        if (slope >= 0) return TunerStep.Skip(slope == 0 && context.DirectionNormSquared == 0 ? StepFlags.ZeroGradient : StepFlags.NonDescent);

        double growth = GrowthPerEpoch is double g ? Math.Pow(g, 1.0 / Math.Max(1, context.StepsPerEpoch)) : IncreaseFactor;
        double lr = Math.Min(growth * _previous, MaxLearningRate);
        double error = double.PositiveInfinity;
        int trials = 0;
        for (int k = 0; k <= MaxBacktrackingSteps; k++)
        {
            if (k > 0) lr *= DecreaseFactor;
            double trial = context.LossAt(lr);
            trials++;
            error = Math.Max(trial - (1 + RelativeTolerance) * f - lr * C * slope, 0.0);
            if (double.IsNaN(error)) error = double.PositiveInfinity;
            if (error <= AbsoluteTolerance) break;
        }

        if (error <= AbsoluteTolerance)
        {
            _previous = lr;
            return new TunerStep(lr, StepFlags.None, trials);
        }

        var failed = StepFlags.LineSearchFailed;
        switch (FailurePolicy)
        {
            case ArmijoFailurePolicy.UseLast when double.IsFinite(error):
                _previous = lr;
                return new TunerStep(lr, failed, trials);
            case ArmijoFailurePolicy.TinyStep:
                _previous = lr;
                return new TunerStep(TinyLearningRate, failed, trials);
            default:
                _previous = lr;
                return new TunerStep(0.0, failed | StepFlags.Skipped | (double.IsFinite(error) ? 0 : StepFlags.NonFinite), trials);
        }
    }

    /// <inheritdoc/>
    public void Reset()
    {
        StepCount = 0;
        _previous = InitialLearningRate;
    }
}
