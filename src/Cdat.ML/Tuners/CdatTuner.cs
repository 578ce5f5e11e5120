using Cdat.ML.Diagnostics;

namespace Cdat.ML.Tuners;

/// <summary>
/// CDAT, Curvature Dynamics Aware Tuning (Roulet et al., 2024): <c>lr = σ · n̄ / (d̄ + ε)</c> with
/// <c>n = max(−gᵀu, 0)</c> and <c>d = |uᵀHu|</c>, each smoothed by an exponential moving average.
/// σ = 1 is the quadratically greedy step; σ = 2 sits on the edge of stability.
/// </summary>
/// <remarks>
/// The moving averages start at 0 without bias correction: both carry the same factor (1 − βᵗ), so their ratio,
/// and hence the first step, equals the instantaneous rule. No initial learning rate is needed.
/// A non-descent direction gives n = 0 (a zero step with β = 0); non-finite inputs skip the step without
/// touching the averages.
/// With <see cref="NoiseCorrected"/>, the numerator is max(0, −gᵀu − tr(SΣ)/|B|): on the same batch −gᵀu over-estimates
/// the decrease the step will bring by the batch's own noise along the direction's share S of the current gradient
/// (<see cref="IStepContext.DecreaseNoise"/>; for gradient descent E[‖g‖²] = ‖∇f‖² + tr Σ/|B|, and the corrected
/// numerator is g_Aᵀg_B over two equal halves of the batch, while it is positive). Momentum and Adam's first moment
/// carry earlier batches' gradients, whose noise is independent of this batch's and is left alone; Adam's second moment
/// is taken as fixed. The noise is measured where the optimizer is told the step is one of several per epoch
/// (<c>stepsPerEpoch</c> &gt; 1, as the trainer's mini-batches are) on a <see cref="Objectives.SupervisedObjective"/>
/// of at least 4 rows; elsewhere it is 0 and the rule is today's.
/// </remarks>
public sealed class CdatTuner : ILearningRateTuner
{
    private double _numerator, _denominator;

    /// <summary>Default EMA factor β: one odd batch or a collapsing curvature does not produce a huge step.</summary>
    public const double DefaultBeta = 0.9;
    /// <summary>Default ε of the denominator.</summary>
    public const double DefaultEpsilon = 1e-12;

    /// <summary>Creates the rule.</summary>
    /// <param name="sigma">Scaling factor σ &gt; 0: 1 is the quadratically greedy step, 2 the edge of stability.</param>
    /// <param name="beta">EMA factor β in [0, 1); 0 is the instantaneous rule. Default <see cref="DefaultBeta"/> (0.9).</param>
    /// <param name="epsilon">ε ≥ 0 added to the smoothed denominator. Default <see cref="DefaultEpsilon"/> (1e-12).</param>
    /// <param name="maxLearningRate">Optional cap on the learning rate; off (null) by default.</param>
    /// <param name="noiseCorrected">Remove the mini-batch noise from the numerator (one extra half-batch gradient a step); off by default.</param>
    public CdatTuner(double sigma, double beta = DefaultBeta, double epsilon = DefaultEpsilon, double? maxLearningRate = null, bool noiseCorrected = false)
    {
        Check.Positive(sigma, nameof(sigma));
        Check.InRange(beta, 0, 1, nameof(beta));
        Check.NonNegative(epsilon, nameof(epsilon));
        if (maxLearningRate is double cap) Check.Positive(cap, nameof(maxLearningRate));
        Sigma = sigma;
        Beta = beta;
        Epsilon = epsilon;
        MaxLearningRate = maxLearningRate;
        NoiseCorrected = noiseCorrected;
    }

    /// <summary>The quadratically greedy rule: the minimiser of the local quadratic model (CDAT with σ = 1, β = 0).</summary>
    public static CdatTuner QuadraticallyGreedy(double epsilon = DefaultEpsilon) => new(sigma: 1.0, beta: 0.0, epsilon: epsilon);

    /// <summary>Scaling factor σ.</summary>
    public double Sigma { get; }
    /// <summary>EMA factor β.</summary>
    public double Beta { get; }
    /// <summary>ε added to the smoothed denominator.</summary>
    public double Epsilon { get; }
    /// <summary>Optional learning-rate cap.</summary>
    public double? MaxLearningRate { get; }
    /// <summary>Whether the numerator is corrected for mini-batch noise (see the remarks).</summary>
    public bool NoiseCorrected { get; }

    /// <inheritdoc/>
    public string Name => Sigma == 1.0 && Beta == 0.0
        ? "greedy"
        : FormattableString.Invariant($"cdat(sigma={Sigma:G4}{(Beta > 0 ? $",beta={Beta:G4}" : "")}{(NoiseCorrected ? ",noise-corrected" : "")})");
    /// <inheritdoc/>
    public bool UsesCurvature => true;
    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public TunerStep Propose(IStepContext context)
    {
        StepCount++;
        double decrease = -context.GradientDotDirection;
        if (!double.IsFinite(decrease)) return TunerStep.Skip(StepFlags.NonFinite);

        double n = Math.Max(decrease, 0.0);
        var flags = n == 0.0 ? StepFlags.NonDescent : StepFlags.None;
        if (NoiseCorrected && n > 0)
        {
            // The curvature first (the context keeps it): the half-batch gradient would otherwise displace the full
            // batch's cached forward pass.
            context.Curvature();
            double noise = context.DecreaseNoise();
            if (!double.IsFinite(noise)) return TunerStep.Skip(StepFlags.NonFinite);
            n = Math.Max(n - noise, 0);
        }

        // With β = 0 and no descent the step is 0 whatever the curvature: spare the Hessian-vector product.
        if (n == 0.0 && Beta == 0.0)
        {
            _numerator = _denominator = 0.0;
            return new TunerStep(0.0, flags | StepFlags.Skipped, SmoothedNumerator: 0.0, SmoothedDenominator: 0.0);
        }

        double curvature = context.Curvature();
        if (!double.IsFinite(curvature)) return TunerStep.Skip(StepFlags.NonFinite);
        if (curvature < 0) flags |= StepFlags.NegativeCurvature;

        _numerator = Beta * _numerator + (1 - Beta) * n;
        _denominator = Beta * _denominator + (1 - Beta) * Math.Abs(curvature);

        double lr = _numerator == 0.0 ? 0.0 : Sigma * _numerator / (_denominator + Epsilon);
        if (!double.IsFinite(lr))
        {
            // Zero curvature with ε = 0: no finite step is defined.
            return new TunerStep(0.0, flags | StepFlags.NonFinite | StepFlags.Skipped, 0, _numerator, _denominator);
        }
        if (MaxLearningRate is double cap && lr > cap)
        {
            lr = cap;
            flags |= StepFlags.CapActive;
        }
        if (lr == 0.0) flags |= StepFlags.Skipped;
        return new TunerStep(lr, flags, 0, _numerator, _denominator);
    }

    /// <inheritdoc/>
    public void Reset()
    {
        StepCount = 0;
        _numerator = _denominator = 0.0;
    }
}
