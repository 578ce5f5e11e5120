using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Directions;

/// <summary>
/// Adam with optax semantics: <c>m ← β1·m + (1−β1)·g</c>, <c>v ← β2·v + (1−β2)·g²</c>, bias-corrected
/// m̂ and v̂, <c>u = −m̂ / (sqrt(v̂ + ε_root) + ε)</c>.
/// </summary>
public sealed class AdamDirection : IDirection
{
    private readonly ParameterState _m = new(), _v = new();

    /// <summary>Default β1.</summary>
    public const double DefaultBeta1 = 0.9;
    /// <summary>Default β2.</summary>
    public const double DefaultBeta2 = 0.999;

    /// <summary>Creates the direction.</summary>
    /// <param name="beta1">β1 in [0, 1). Default 0.9.</param>
    /// <param name="beta2">β2 in [0, 1). Default 0.999.</param>
    /// <param name="epsilon">ε &gt; 0 outside the square root. Default 1e-8.</param>
    /// <param name="epsilonRoot">ε_root ≥ 0 inside the square root. Default 0.</param>
    public AdamDirection(double beta1 = DefaultBeta1, double beta2 = DefaultBeta2, double epsilon = 1e-8, double epsilonRoot = 0.0)
    {
        Check.InRange(beta1, 0, 1, nameof(beta1));
        Check.InRange(beta2, 0, 1, nameof(beta2));
        Check.Positive(epsilon, nameof(epsilon));
        Check.NonNegative(epsilonRoot, nameof(epsilonRoot));
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        EpsilonRoot = epsilonRoot;
    }

    /// <summary>β1.</summary>
    public double Beta1 { get; }
    /// <summary>β2.</summary>
    public double Beta2 { get; }
    /// <summary>ε.</summary>
    public double Epsilon { get; }
    /// <summary>ε_root.</summary>
    public double EpsilonRoot { get; }
    /// <inheritdoc/>
    public string Name => "adam";
    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Compute(IReadOnlyList<Tensor> gradient)
    {
        StepCount++;
        using var _ = torch.no_grad();
        var m = _m.For(gradient);
        var v = _v.For(gradient);
        double c1 = 1 - Math.Pow(Beta1, StepCount), c2 = 1 - Math.Pow(Beta2, StepCount);
        var u = new Tensor[gradient.Count];
        if (HostMemory.AllHostFloat(gradient, m, v))
        {
            for (int i = 0; i < u.Length; i++) u[i] = ComputeOnHost(gradient[i], m[i], v[i], c1, c2);
            return u;
        }
        using Scalar beta1 = Scalars.Of(Beta1), rest1 = Scalars.Of(1 - Beta1), beta2 = Scalars.Of(Beta2), rest2 = Scalars.Of(1 - Beta2),
                     negC1 = Scalars.Of(-c1);
        for (int i = 0; i < u.Length; i++)
        {
            m[i].mul_(beta1).add_(gradient[i], alpha: rest1);
            v[i].mul_(beta2).addcmul_(gradient[i], gradient[i], value: rest2);
            using var p = Precondition(v[i], c2);
            u[i] = m[i].div(p).div_(negC1);
        }
        return u;
    }

    /// <summary>The same update on float32 CPU tensors as managed loops (one libtorch call per tensor, for the result).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Tensor ComputeOnHost(Tensor gradient, Tensor mTensor, Tensor vTensor, double c1, double c2)
    {
        var g = HostMemory.Floats(gradient);
        var m = HostMemory.Floats(mTensor);
        var v = HostMemory.Floats(vTensor);
        if (m.Length != g.Length || v.Length != g.Length)
            throw new InvalidOperationException($"Adam's moments hold {m.Length} and {v.Length} values for a gradient of {g.Length}: the parameters changed shape.");
        var result = torch.empty_like(gradient);
        var u = HostMemory.Floats(result);
        float beta1 = (float)Beta1, rest1 = (float)(1 - Beta1), beta2 = (float)Beta2, rest2 = (float)(1 - Beta2);
        float correction2 = (float)c2, root = (float)EpsilonRoot, epsilon = (float)Epsilon, negC1 = (float)-c1;
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // The same operations in the same order as the loop below, eight at a time.
            ref float rg = ref MemoryMarshal.GetReference(g);
            ref float rm = ref MemoryMarshal.GetReference(m);
            ref float rv = ref MemoryMarshal.GetReference(v);
            ref float ru = ref MemoryMarshal.GetReference(u);
            for (; j + 8 <= g.Length; j += 8)
            {
                var gj = Vector256.LoadUnsafe(ref rg, (nuint)j);
                var mj = Vector256.LoadUnsafe(ref rm, (nuint)j) * beta1 + gj * rest1;
                var vj = Vector256.LoadUnsafe(ref rv, (nuint)j) * beta2 + gj * gj * rest2;
                mj.StoreUnsafe(ref rm, (nuint)j);
                vj.StoreUnsafe(ref rv, (nuint)j);
                (mj / (Vector256.Sqrt(vj / correction2 + Vector256.Create(root)) + Vector256.Create(epsilon)) / negC1).StoreUnsafe(ref ru, (nuint)j);
            }
        }
        for (; j < g.Length; j++)
        {
            m[j] = m[j] * beta1 + g[j] * rest1;
            v[j] = v[j] * beta2 + g[j] * g[j] * rest2;
            u[j] = m[j] / (MathF.Sqrt(v[j] / correction2 + root) + epsilon) / negC1;
        }
        return result;
    }

    private Tensor Precondition(Tensor v, double biasCorrection2)
    {
        using Scalar correction = Scalars.Of(biasCorrection2), root = Scalars.Of(EpsilonRoot), epsilon = Scalars.Of(Epsilon);
        return v.div(correction).add_(root, Scalars.One).sqrt_().add_(epsilon, Scalars.One);
    }

    /// <inheritdoc/>
    public IReadOnlyList<Tensor>? Preconditioner()
    {
        if (_v.Existing is not { } v || StepCount == 0) return null;
        using var _ = torch.no_grad();
        double c2 = 1 - Math.Pow(Beta2, StepCount);
        return v.Select(t => Precondition(t, c2)).ToArray();
    }

    /// <inheritdoc/>
    public double StabilityThreshold(double learningRate) => (2.0 + 2.0 * Beta1) / ((1.0 - Beta1) * learningRate);

    /// <inheritdoc/>
    public IReadOnlyList<Tensor>? CurrentGradientShare(IReadOnlyList<Tensor> vector)
    {
        // u = −m̂/P with m̂ = (β1·m + (1 − β1)·g)/(1 − β1ᵗ): S = (1 − β1)/(1 − β1ᵗ)·P⁻¹.
        if (Preconditioner() is not { } p) return null;
        using Scalar share = Scalars.Of((1 - Beta1) / (1 - Math.Pow(Beta1, StepCount)));
        using var _ = torch.no_grad();
        return vector.Select((v, i) => v.div(p[i]).mul_(share)).ToArray();
    }

    /// <inheritdoc/>
    public void Reset()
    {
        StepCount = 0;
        _m.Dispose();
        _v.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _m.Dispose();
        _v.Dispose();
    }
}
