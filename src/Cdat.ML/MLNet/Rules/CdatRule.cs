using Cdat.ML.Tuners;

namespace Cdat.ML;

/// <summary>
/// CDAT (Roulet et al. 2024): lr = σ·max(−gᵀu, 0)/(|uᵀHu| + ε), numerator and denominator smoothed by an EMA of factor
/// β. σ = 1 is the quadratically greedy step, σ = 2 the edge of stability. The trainer's default rule.
/// </summary>
public sealed class CdatRule : LearningRateRule
{
    /// <summary>
    /// Scale σ. Null (default) chooses by regime: 1.9 in full batch (just below the edge, a knife edge); in mini-batches
    /// of 256 rows 0.5 for classification and 1.5 for regression (measured on the benchmark suite), times √(B/256) for
    /// B rows a batch, at most 1.9 (chosen leave one set out at batch sizes 32-2048; see docs/DEFAULTS.md).
    /// </summary>
    public double? Sigma { get; init; }
    /// <summary>EMA factor β of the numerator and denominator (0: the instantaneous rule). Default <see cref="CdatTuner.DefaultBeta"/> (0.9), which keeps one odd batch or a collapsing curvature from producing a huge step.</summary>
    public double EmaBeta { get; init; } = CdatTuner.DefaultBeta;
    /// <summary>ε added to the denominator. Default <see cref="CdatTuner.DefaultEpsilon"/> (1e-12).</summary>
    public double Epsilon { get; init; } = CdatTuner.DefaultEpsilon;
    /// <summary>Optional cap on the learning rate. Default none.</summary>
    public double? MaxLearningRate { get; init; }
    /// <summary>
    /// In mini-batch, keep only the share of the numerator that is not sampling noise, estimated from the gradient on
    /// half of each batch (one extra half-batch gradient a step; see <see cref="CdatTuner.NoiseCorrected"/>). Default false.
    /// </summary>
    public bool NoiseCorrected { get; init; }

    /// <summary>The quadratically greedy step: σ = 1, no EMA.</summary>
    public static CdatRule QuadraticallyGreedy => new() { Sigma = 1, EmaBeta = 0 };

    internal override void Validate(bool float64)
    {
        if (Sigma is double sigma) Precision.RequireFits(sigma, sigma > 0, Field(nameof(Sigma)), float64, "greater than 0 (or null to choose by regime)");
        Check.InRange(EmaBeta, 0, 1, Field(nameof(EmaBeta)));
        Precision.RequireFits(Epsilon, Epsilon >= 0, Field(nameof(Epsilon)), float64, "≥ 0");
        RequireRate(MaxLearningRate, nameof(MaxLearningRate), float64, optional: true);
    }

    internal override ILearningRateTuner Create(RuleContext context) => new CdatTuner(Sigma ?? context.RegimeSigma, EmaBeta, Epsilon, MaxLearningRate, NoiseCorrected);

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"CdatRule(σ={(Sigma is double s ? s.ToString("G3", System.Globalization.CultureInfo.InvariantCulture) : "auto")}, β={EmaBeta:G3}{(NoiseCorrected ? ", noise-corrected" : "")})");
}
