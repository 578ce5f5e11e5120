using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cdat.ML.Networks;

/// <summary>
/// Small dense matrix products on row-major float spans, for the managed derivatives of the trainer's network: a
/// register-blocked kernel (4 rows × two 8-wide vectors of columns) that needs no native call, so a product of a
/// mini-batch by a 64-unit layer costs microseconds rather than a library dispatch. Lengths are checked once per call;
/// the kernels then read through references, without a bounds check per element.
/// </summary>
internal static partial class Gemm
{
    private const int Width = 8;

    /// <summary>C[n×m] (+)= A[n×k] · B[k×m], all row-major; with <paramref name="accumulate"/> false C is overwritten.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int n, int k, int m, bool accumulate = false)
    {
        if (n < 0 || k < 0 || m < 0 || a.Length < n * k || b.Length < k * m || c.Length < n * m) throw new ArgumentException("A span is shorter than its matrix.");
        if (n == 0 || m == 0) return;
        bool vectorBlocks = m >= Width && k > 1 && Vector256.IsHardwareAccelerated;
        // The vector blocks start from zero themselves; the other paths add to C.
        if (!accumulate && !vectorBlocks) c[..(n * m)].Clear();
        if (k == 0) return;
        if (k == 1)
        {
            // An outer product: each row of C gains a multiple of B's one row.
            for (int r = 0; r < n; r++) TensorPrimitives.MultiplyAdd(b[..m], a[r], c.Slice(r * m, m), c.Slice(r * m, m));
            return;
        }
        if (m < Width || !Vector256.IsHardwareAccelerated)
        {
            // Few output columns (a layer of 1-7 outputs): a dot product of each row of A with each column of B.
            Span<float> column = k <= 1024 ? stackalloc float[k] : new float[k];
            for (int j = 0; j < m; j++)
            {
                for (int p = 0; p < k; p++) column[p] = b[p * m + j];
                for (int r = 0; r < n; r++) c[r * m + j] += TensorPrimitives.Dot(a.Slice(r * k, k), column);
            }
            return;
        }
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        ref float rc = ref MemoryMarshal.GetReference(c);
        int i = 0;
        for (; i + 4 <= n; i += 4)
        {
            int j = 0;
            for (; j + 2 * Width <= m; j += 2 * Width) Block4x16(ref ra, ref rb, ref rc, i, j, k, m, accumulate);
            for (; j + Width <= m; j += Width) Block4x8(ref ra, ref rb, ref rc, i, j, k, m, accumulate);
            for (int r = i; r < i + 4; r++) TailColumns(ref ra, ref rb, ref rc, r, j, k, m, accumulate);
        }
        for (; i < n; i++)
        {
            int j = 0;
            for (; j + Width <= m; j += Width) Block1x8(ref ra, ref rb, ref rc, i, j, k, m, accumulate);
            TailColumns(ref ra, ref rb, ref rc, i, j, k, m, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(ref float start, int at) => Vector256.LoadUnsafe(ref start, (nuint)at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Start(ref float c, int at, bool accumulate) => accumulate ? Load(ref c, at) : Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Broadcast(ref float start, int at) => Vector256.Create(Unsafe.Add(ref start, at));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x16(ref float a, ref float b, ref float c, int i, int j, int k, int m, bool accumulate)
    {
        int o0 = i * m + j, o1 = o0 + m, o2 = o1 + m, o3 = o2 + m;
        Vector256<float> c00 = Start(ref c, o0, accumulate), c01 = Start(ref c, o0 + Width, accumulate), c10 = Start(ref c, o1, accumulate), c11 = Start(ref c, o1 + Width, accumulate);
        Vector256<float> c20 = Start(ref c, o2, accumulate), c21 = Start(ref c, o2 + Width, accumulate), c30 = Start(ref c, o3, accumulate), c31 = Start(ref c, o3 + Width, accumulate);
        ref float a0 = ref Unsafe.Add(ref a, i * k);
        ref float a1 = ref Unsafe.Add(ref a0, k);
        ref float a2 = ref Unsafe.Add(ref a1, k);
        ref float a3 = ref Unsafe.Add(ref a2, k);
        ref float row = ref Unsafe.Add(ref b, j);
        for (int p = 0; p < k; p++, row = ref Unsafe.Add(ref row, m))
        {
            var b0 = Load(ref row, 0);
            var b1 = Load(ref row, Width);
            var x = Broadcast(ref a0, p);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Broadcast(ref a1, p);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Broadcast(ref a2, p);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Broadcast(ref a3, p);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
        }
        Store(c00, ref c, o0); Store(c01, ref c, o0 + Width);
        Store(c10, ref c, o1); Store(c11, ref c, o1 + Width);
        Store(c20, ref c, o2); Store(c21, ref c, o2 + Width);
        Store(c30, ref c, o3); Store(c31, ref c, o3 + Width);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x8(ref float a, ref float b, ref float c, int i, int j, int k, int m, bool accumulate)
    {
        int o0 = i * m + j, o1 = o0 + m, o2 = o1 + m, o3 = o2 + m;
        Vector256<float> c0 = Start(ref c, o0, accumulate), c1 = Start(ref c, o1, accumulate), c2 = Start(ref c, o2, accumulate), c3 = Start(ref c, o3, accumulate);
        ref float a0 = ref Unsafe.Add(ref a, i * k);
        ref float a1 = ref Unsafe.Add(ref a0, k);
        ref float a2 = ref Unsafe.Add(ref a1, k);
        ref float a3 = ref Unsafe.Add(ref a2, k);
        ref float row = ref Unsafe.Add(ref b, j);
        for (int p = 0; p < k; p++, row = ref Unsafe.Add(ref row, m))
        {
            var b0 = Load(ref row, 0);
            c0 = Vector256.FusedMultiplyAdd(Broadcast(ref a0, p), b0, c0);
            c1 = Vector256.FusedMultiplyAdd(Broadcast(ref a1, p), b0, c1);
            c2 = Vector256.FusedMultiplyAdd(Broadcast(ref a2, p), b0, c2);
            c3 = Vector256.FusedMultiplyAdd(Broadcast(ref a3, p), b0, c3);
        }
        Store(c0, ref c, o0); Store(c1, ref c, o1); Store(c2, ref c, o2); Store(c3, ref c, o3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block1x8(ref float a, ref float b, ref float c, int i, int j, int k, int m, bool accumulate)
    {
        int o = i * m + j;
        var acc = Start(ref c, o, accumulate);
        ref float a0 = ref Unsafe.Add(ref a, i * k);
        ref float row = ref Unsafe.Add(ref b, j);
        for (int p = 0; p < k; p++, row = ref Unsafe.Add(ref row, m))
            acc = Vector256.FusedMultiplyAdd(Broadcast(ref a0, p), Load(ref row, 0), acc);
        Store(acc, ref c, o);
    }

    /// <summary>Row <paramref name="i"/> of C from column <paramref name="from"/> to m, one sum at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TailColumns(ref float a, ref float b, ref float c, int i, int from, int k, int m, bool accumulate)
    {
        ref float a0 = ref Unsafe.Add(ref a, i * k);
        for (int j = from; j < m; j++)
        {
            float sum = 0;
            for (int p = 0; p < k; p++) sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref a0, p), Unsafe.Add(ref b, p * m + j), sum);
            ref float target = ref Unsafe.Add(ref c, i * m + j);
            target = accumulate ? target + sum : sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> value, ref float start, int at) => value.StoreUnsafe(ref start, (nuint)at);

}
