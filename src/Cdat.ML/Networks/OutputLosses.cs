using System.Runtime.CompilerServices;

namespace Cdat.ML.Networks;

/// <summary>
/// The built-in per-example losses at the network's outputs, for <see cref="MlpDerivatives"/>: their weighted mean, its
/// gradient in the outputs, and that gradient's R-derivative (the loss's Hessian in the outputs times a direction).
/// Sums are kept in double.
/// </summary>
internal static class OutputLosses
{
    /// <summary>
    /// The loss summed over the rows of outputs <paramref name="o"/> [rows × k] and divided by <paramref name="meanOver"/>
    /// (the rows of the whole batch, of which these may be a part), and its gradient with respect to them into <paramref name="g"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Gradient(ExampleLossKind kind, ReadOnlySpan<float> o, int k, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights, int rows,
                                  int meanOver, Span<float> g, double[] probabilities)
    {
        double total = 0;
        for (int n = 0; n < rows; n++)
        {
            double w = weights.IsEmpty ? 1 : weights[n];
            float scale = (float)(w / meanOver);
            var on = o.Slice(n * k, k);
            var gn = g.Slice(n * k, k);
            double loss;
            switch (kind)
            {
                case ExampleLossKind.Squared:
                    loss = 0;
                    for (int j = 0; j < k; j++)
                    {
                        double r = on[j] - targets[n * k + j];
                        loss += 0.5 * r * r;
                        gn[j] = (float)r * scale;
                    }
                    break;
                case ExampleLossKind.Logistic:
                    double z = on[0], t = targets[n];
                    loss = Math.Max(z, 0) - z * t + Math.Log(1 + Math.Exp(-Math.Abs(z)));
                    gn[0] = (float)((Sigmoid(z) - t) * scale);
                    break;
                default:
                    int c = (int)targets[n];
                    double logSum = Softmax(on, probabilities);
                    loss = logSum - on[c];
                    for (int j = 0; j < k; j++) gn[j] = (float)((probabilities[j] - (j == c ? 1 : 0)) * scale);
                    break;
            }
            total += w * loss;
        }
        return total / meanOver;
    }

    /// <summary>R of the output gradient: the loss's Hessian in the outputs times <paramref name="ro"/>, weighted, over the rows (divided as above).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Curvature(ExampleLossKind kind, ReadOnlySpan<float> o, int k, ReadOnlySpan<float> weights, int rows, int meanOver, ReadOnlySpan<float> ro,
                                 Span<float> rg, double[] probabilities)
    {
        for (int n = 0; n < rows; n++)
        {
            double scale = (weights.IsEmpty ? 1 : weights[n]) / (double)meanOver;
            switch (kind)
            {
                case ExampleLossKind.Squared:
                    for (int j = 0; j < k; j++) rg[n * k + j] = (float)(ro[n * k + j] * scale);
                    break;
                case ExampleLossKind.Logistic:
                    double s = Sigmoid(o[n]);
                    rg[n] = (float)(s * (1 - s) * ro[n] * scale);
                    break;
                default:
                    Softmax(o.Slice(n * k, k), probabilities);
                    double pr = 0;
                    for (int j = 0; j < k; j++) pr += probabilities[j] * ro[n * k + j];
                    for (int j = 0; j < k; j++) rg[n * k + j] = (float)(probabilities[j] * (ro[n * k + j] - pr) * scale);
                    break;
            }
        }
    }

    /// <summary>The softmax of one row into <paramref name="p"/> (in double), returning logsumexp of the row.</summary>
    private static double Softmax(ReadOnlySpan<float> logits, double[] p)
    {
        double max = double.NegativeInfinity, sum = 0;
        foreach (float v in logits) max = Math.Max(max, v);
        for (int j = 0; j < logits.Length; j++) sum += p[j] = Math.Exp(logits[j] - max);
        for (int j = 0; j < logits.Length; j++) p[j] /= sum;
        return max + Math.Log(sum);
    }

    private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
}
