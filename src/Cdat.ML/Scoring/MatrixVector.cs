using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cdat.ML.Scoring;

/// <summary>
/// A dense layer applied to one row, <c>y = W·x + b</c>, for scoring. Eight rows of W share each load of x and keep
/// eight independent accumulators in flight, so a wide layer runs at the speed its weights stream from the cache
/// rather than at one horizontal reduction per output.
/// </summary>
internal static class MatrixVector
{
    private const int RowsPerBlock = 8;

    /// <summary>y[outputs] = W[outputs×inputs] (row-major) · x[inputs] + b[outputs].</summary>
    public static void Multiply(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, int inputs, int outputs)
    {
        if (weight.Length < (long)inputs * outputs || bias.Length < outputs || x.Length < inputs || y.Length < outputs)
            throw new ArgumentException($"A span is shorter than the {outputs}×{inputs} layer it is given for.", nameof(weight));
        int j = 0;
        if (Vector256.IsHardwareAccelerated && inputs >= Vector256<float>.Count)
            for (; j + RowsPerBlock <= outputs; j += RowsPerBlock) Block8(weight, x, y, bias, j, inputs);
        for (; j < outputs; j++) y[j] = TensorPrimitives.Dot(weight.Slice((int)((long)j * inputs), inputs), x[..inputs]) + bias[j];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block8(ReadOnlySpan<float> weight, ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> bias, int j, int inputs)
    {
        ref float w = ref Unsafe.Add(ref MemoryMarshal.GetReference(weight), (nint)j * inputs);
        ref float xs = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)inputs, stride = (nuint)inputs;
        var a0 = Vector256<float>.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
        var a4 = a0; var a5 = a0; var a6 = a0; var a7 = a0;
        nuint width = (nuint)Vector256<float>.Count, p = 0;
        for (; p + width <= n; p += width)
        {
            var v = Vector256.LoadUnsafe(ref xs, p);
            a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, p), v, a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, p + stride), v, a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, p + 2 * stride), v, a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, p + 3 * stride), v, a3);
            a4 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, p + 4 * stride), v, a4);
            a5 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, p + 5 * stride), v, a5);
            a6 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, p + 6 * stride), v, a6);
            a7 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, p + 7 * stride), v, a7);
        }
        float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
        float s4 = Vector256.Sum(a4), s5 = Vector256.Sum(a5), s6 = Vector256.Sum(a6), s7 = Vector256.Sum(a7);
        for (; p < n; p++)
        {
            float v = Unsafe.Add(ref xs, p);
            s0 = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, p), v, s0);
            s1 = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, p + stride), v, s1);
            s2 = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, p + 2 * stride), v, s2);
            s3 = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, p + 3 * stride), v, s3);
            s4 = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, p + 4 * stride), v, s4);
            s5 = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, p + 5 * stride), v, s5);
            s6 = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, p + 6 * stride), v, s6);
            s7 = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, p + 7 * stride), v, s7);
        }
        y[j] = s0 + bias[j]; y[j + 1] = s1 + bias[j + 1]; y[j + 2] = s2 + bias[j + 2]; y[j + 3] = s3 + bias[j + 3];
        y[j + 4] = s4 + bias[j + 4]; y[j + 5] = s5 + bias[j + 5]; y[j + 6] = s6 + bias[j + 6]; y[j + 7] = s7 + bias[j + 7];
    }
}
