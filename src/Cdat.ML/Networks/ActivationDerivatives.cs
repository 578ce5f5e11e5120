using System.Numerics.Tensors;
using Cdat.ML.Scoring;

namespace Cdat.ML.Networks;

/// <summary>A hidden activation σ and its first two derivatives, over spans, for <see cref="MlpDerivatives"/>.</summary>
internal static class ActivationDerivatives
{
    /// <summary>A = σ(Z).</summary>
    public static void Activate(Activation activation, ReadOnlySpan<float> z, Span<float> a)
    {
        switch (activation)
        {
            case Activation.Tanh: SpecialFunctions.Tanh(z, a); break;
            case Activation.Relu: TensorPrimitives.Max(z, 0f, a); break;
            default:
                // Exact GELU, ½z(1 + erf(z/√2)), as torch.nn.GELU().
                for (int i = 0; i < z.Length; i++) a[i] = (float)(0.5 * z[i] * (1 + SpecialFunctions.Erf(z[i] / Math.Sqrt(2))));
                break;
        }
    }

    /// <summary>σ'(Z), from Z and A = σ(Z).</summary>
    public static void Slopes(Activation activation, ReadOnlySpan<float> z, ReadOnlySpan<float> a, Span<float> slope)
    {
        switch (activation)
        {
            case Activation.Tanh:
                // 1 − a²
                TensorPrimitives.Multiply(a, a, slope);
                TensorPrimitives.Subtract(1f, slope, slope);
                break;
            case Activation.Relu:
                // 0 at z = 0, as torch's ReLU backward.
                for (int i = 0; i < z.Length; i++) slope[i] = z[i] > 0 ? 1 : 0;
                break;
            default:
                for (int i = 0; i < z.Length; i++) slope[i] = (float)(0.5 * (1 + SpecialFunctions.Erf(z[i] / Math.Sqrt(2))) + z[i] * Density(z[i]));
                break;
        }
    }

    /// <summary>σ''(Z), from Z, A = σ(Z) and σ'(Z).</summary>
    public static void Bends(Activation activation, ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> slope, Span<float> bend)
    {
        switch (activation)
        {
            case Activation.Tanh:
                // −2a(1 − a²)
                TensorPrimitives.Multiply(a, slope, bend);
                TensorPrimitives.Multiply(bend, -2f, bend);
                break;
            case Activation.Relu:
                bend.Clear();
                break;
            default:
                for (int i = 0; i < z.Length; i++) bend[i] = (float)(Density(z[i]) * (2 - (double)z[i] * z[i]));
                break;
        }
    }

    /// <summary>The standard normal density φ(z).</summary>
    private static double Density(double z) => Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
}
