using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cdat.ML.Networks;

/// <summary>
/// Small dense matrix products on row-major float spans, for the managed derivatives of the trainer's network: a
/// register-blocked kernel (4 rows × one 8-wide vector of columns) that needs no native call, so a product of a
/// mini-batch by a 64-unit layer costs microseconds rather than a library dispatch.
/// </summary>
internal static class Gemm
{
    /// <summary>C[n×m] (+)= A[n×k] · B[k×m], all row-major; with <paramref name="accumulate"/> false C is overwritten.</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int n, int k, int m, bool accumulate = false)
    {
        if (a.Length < n * k || b.Length < k * m || c.Length < n * m) throw new ArgumentException("A span is shorter than its matrix.");
        if (!accumulate) c[..(n * m)].Clear();
        if (m == 1)
        {
            // One output column: a dot product per row (B is a contiguous column).
            for (int r = 0; r < n; r++) c[r] += TensorPrimitives.Dot(a.Slice(r * k, k), b[..k]);
            return;
        }
        if (k == 1)
        {
            // An outer product: each row of C gains a multiple of B's one row.
            for (int r = 0; r < n; r++) TensorPrimitives.MultiplyAdd(b[..m], a[r], c.Slice(r * m, m), c.Slice(r * m, m));
            return;
        }
        int width = Vector256<float>.Count;
        int vectorColumns = Vector256.IsHardwareAccelerated ? m - m % width : 0;
        int i = 0;
        for (; i + 4 <= n; i += 4)
        {
            for (int j = 0; j < vectorColumns; j += width) Block4(a, b, c, i, j, k, m);
            for (int j = vectorColumns; j < m; j++)
                for (int r = 0; r < 4; r++) c[(i + r) * m + j] += Dot(a, b, i + r, j, k, m);
        }
        for (; i < n; i++)
        {
            for (int j = 0; j < vectorColumns; j += width) Block1(a, b, c, i, j, k, m);
            for (int j = vectorColumns; j < m; j++) c[i * m + j] += Dot(a, b, i, j, k, m);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int i, int j, int k, int m)
    {
        var c0 = Vector256.Create<float>(c.Slice(i * m + j));
        var c1 = Vector256.Create<float>(c.Slice((i + 1) * m + j));
        var c2 = Vector256.Create<float>(c.Slice((i + 2) * m + j));
        var c3 = Vector256.Create<float>(c.Slice((i + 3) * m + j));
        int a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        for (int p = 0; p < k; p++)
        {
            var row = Vector256.Create<float>(b.Slice(p * m + j));
            c0 = Vector256.FusedMultiplyAdd(Vector256.Create(a[a0 + p]), row, c0);
            c1 = Vector256.FusedMultiplyAdd(Vector256.Create(a[a1 + p]), row, c1);
            c2 = Vector256.FusedMultiplyAdd(Vector256.Create(a[a2 + p]), row, c2);
            c3 = Vector256.FusedMultiplyAdd(Vector256.Create(a[a3 + p]), row, c3);
        }
        c0.CopyTo(c.Slice(i * m + j));
        c1.CopyTo(c.Slice((i + 1) * m + j));
        c2.CopyTo(c.Slice((i + 2) * m + j));
        c3.CopyTo(c.Slice((i + 3) * m + j));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block1(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int i, int j, int k, int m)
    {
        var acc = Vector256.Create<float>(c.Slice(i * m + j));
        for (int p = 0; p < k; p++)
            acc = Vector256.FusedMultiplyAdd(Vector256.Create(a[i * k + p]), Vector256.Create<float>(b.Slice(p * m + j)), acc);
        acc.CopyTo(c.Slice(i * m + j));
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int i, int j, int k, int m)
    {
        float sum = 0;
        for (int p = 0; p < k; p++) sum = MathF.FusedMultiplyAdd(a[i * k + p], b[p * m + j], sum);
        return sum;
    }

    /// <summary>C[m×k] = A[n×m]ᵀ · B[n×k], all row-major, without transposing A: what a layer's weight gradient needs.</summary>
    public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int n, int m, int k)
    {
        if (a.Length < n * m || b.Length < n * k || c.Length < m * k) throw new ArgumentException("A span is shorter than its matrix.");
        c[..(m * k)].Clear();
        int width = Vector256<float>.Count;
        int vectorColumns = Vector256.IsHardwareAccelerated ? k - k % width : 0;
        int j = 0;
        for (; j + 4 <= m; j += 4)
        {
            for (int col = 0; col < vectorColumns; col += width)
            {
                Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
                for (int p = 0; p < n; p++)
                {
                    var row = Vector256.Create<float>(b.Slice(p * k + col));
                    int at = p * m + j;
                    c0 = Vector256.FusedMultiplyAdd(Vector256.Create(a[at]), row, c0);
                    c1 = Vector256.FusedMultiplyAdd(Vector256.Create(a[at + 1]), row, c1);
                    c2 = Vector256.FusedMultiplyAdd(Vector256.Create(a[at + 2]), row, c2);
                    c3 = Vector256.FusedMultiplyAdd(Vector256.Create(a[at + 3]), row, c3);
                }
                c0.CopyTo(c.Slice(j * k + col));
                c1.CopyTo(c.Slice((j + 1) * k + col));
                c2.CopyTo(c.Slice((j + 2) * k + col));
                c3.CopyTo(c.Slice((j + 3) * k + col));
            }
        }
        for (; j < m; j++)
            for (int col = 0; col < vectorColumns; col += width)
            {
                Vector256<float> acc = default;
                for (int p = 0; p < n; p++) acc = Vector256.FusedMultiplyAdd(Vector256.Create(a[p * m + j]), Vector256.Create<float>(b.Slice(p * k + col)), acc);
                acc.CopyTo(c.Slice(j * k + col));
            }
        for (int row = 0; row < m; row++)
            for (int col = vectorColumns; col < k; col++)
            {
                float sum = 0;
                for (int p = 0; p < n; p++) sum = MathF.FusedMultiplyAdd(a[p * m + row], b[p * k + col], sum);
                c[row * k + col] = sum;
            }
    }

    /// <summary>T[m×n] = S[n×m]ᵀ.</summary>
    public static void Transpose(ReadOnlySpan<float> source, Span<float> target, int n, int m)
    {
        for (int i = 0; i < n; i++)
        {
            var row = source.Slice(i * m, m);
            for (int j = 0; j < m; j++) target[j * n + i] = row[j];
        }
    }
}
