namespace Cdat.ML.Scoring;

/// <summary>
/// Raw network outputs to predictions: finite at any finite logit, and independent of the thread's floating-point mode.
/// Scalar loops on purpose: vectorised arg-max routines compare integer lane indices as floats, which are denormals
/// that flush-to-zero (<c>Denormals.FlushToZero</c>) turns into 0, so every index looks the same.
/// </summary>
internal static class OutputFunctions
{
    /// <summary>
    /// Index of the first largest value; −1 when a value is NaN (a NaN feature makes every logit NaN), which ML.NET's
    /// multiclass scorers report as a missing PredictedLabel.
    /// </summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) throw new ArgumentException("No values.", nameof(values));
        int best = 0;
        float max = values[0];
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i])) return -1;
            if (values[i] > max) (best, max) = (i, values[i]);
        }
        return best;
    }

    /// <summary>
    /// Softmax with the largest logit subtracted first, so no exponential overflows: probabilities sum to 1 at any
    /// finite logits. A NaN logit makes every probability NaN; +∞ logits share the mass.
    /// </summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        if (probabilities.Length < logits.Length) throw new ArgumentException("The output is too short.", nameof(probabilities));
        float max = float.NegativeInfinity;
        foreach (float v in logits)
        {
            if (float.IsNaN(v)) { probabilities[..logits.Length].Fill(float.NaN); return; }
            if (v > max) max = v;
        }
        if (float.IsPositiveInfinity(max) || float.IsNegativeInfinity(max))
        {
            int ties = 0;
            foreach (float v in logits) if (v == max) ties++;
            for (int i = 0; i < logits.Length; i++) probabilities[i] = logits[i] == max ? 1f / ties : 0f;
            return;
        }
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            double e = Math.Exp((double)logits[i] - max);
            probabilities[i] = (float)e;
            sum += e;
        }
        for (int i = 0; i < logits.Length; i++) probabilities[i] = (float)(probabilities[i] / sum);
    }

    /// <summary>1 / (1 + e^−x) without overflow: for x &lt; 0 it is computed as e^x / (1 + e^x).</summary>
    public static float Sigmoid(float logit)
    {
        if (float.IsNaN(logit)) return float.NaN;
        if (logit >= 0) return (float)(1.0 / (1.0 + Math.Exp(-(double)logit)));
        double e = Math.Exp(logit);
        return (float)(e / (1.0 + e));
    }

    /// <summary>Smallest binary probability reported, and 1 minus the largest: 2⁻²⁴, the float32 spacing just below 1.</summary>
    public const float ProbabilityFloor = 1f / (1 << 24);

    /// <summary>
    /// The binary Probability column: <see cref="Sigmoid"/> kept within [2⁻²⁴, 1 − 2⁻²⁴]. A float32 sigmoid rounds to
    /// exactly 0 or 1 beyond |logit| ≈ 17, which makes ML.NET's log-loss infinite for one confident mistake; the clamp
    /// costs at most 24 bits on such a row instead.
    /// </summary>
    public static float Probability(float logit)
    {
        float p = Sigmoid(logit);
        return float.IsNaN(p) ? p : Math.Clamp(p, ProbabilityFloor, 1f - ProbabilityFloor);
    }
}
