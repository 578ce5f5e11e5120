using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cdat.ML.Networks;

/// <summary>Products with a transposed operand, transposes, and row sums and fills of the layer helpers.</summary>
internal static partial class Gemm
{
    /// <summary>C[m×k] = A[n×m]ᵀ · B[n×k], all row-major, without transposing A: what a layer's weight gradient needs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int n, int m, int k)
    {
        if (n < 0 || k < 0 || m < 0 || a.Length < n * m || b.Length < n * k || c.Length < m * k) throw new ArgumentException("A span is shorter than its matrix.");
        // Every element is written below (no sums are carried over), so C needs no clearing unless A has no rows.
        if (n == 0) c[..(m * k)].Clear();
        if (n == 0 || k == 0 || m == 0) return;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        ref float rc = ref MemoryMarshal.GetReference(c);
        bool vectors = Vector256.IsHardwareAccelerated;
        int vectorColumns = vectors ? k - k % Width : 0;
        int j = 0;
        for (; j + 4 <= m; j += 4)
        {
            int col = 0;
            for (; col + 2 * Width <= vectorColumns; col += 2 * Width) TransposedBlock4x16(ref ra, ref rb, ref rc, j, col, n, m, k);
            for (; col < vectorColumns; col += Width) TransposedBlock4x8(ref ra, ref rb, ref rc, j, col, n, m, k);
        }
        for (; j < m; j++)
            for (int col = 0; col < vectorColumns; col += Width)
            {
                Vector256<float> acc = default;
                for (int p = 0; p < n; p++) acc = Vector256.FusedMultiplyAdd(Broadcast(ref ra, p * m + j), Load(ref rb, p * k + col), acc);
                Store(acc, ref rc, j * k + col);
            }
        if (vectorColumns == k) return;
        // Columns of B past the last full vector (features not a multiple of 8): vectors run along A's rows instead.
        int vectorRows = vectors ? m - m % Width : 0;
        for (int col = vectorColumns; col < k; col++)
        {
            for (int row = 0; row < vectorRows; row += Width)
            {
                Vector256<float> acc = default;
                for (int p = 0; p < n; p++) acc = Vector256.FusedMultiplyAdd(Load(ref ra, p * m + row), Broadcast(ref rb, p * k + col), acc);
                for (int t = 0; t < Width; t++) Unsafe.Add(ref rc, (row + t) * k + col) = acc.GetElement(t);
            }
            for (int row = vectorRows; row < m; row++)
            {
                float sum = 0;
                for (int p = 0; p < n; p++) sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref ra, p * m + row), Unsafe.Add(ref rb, p * k + col), sum);
                Unsafe.Add(ref rc, row * k + col) = sum;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposedBlock4x16(ref float a, ref float b, ref float c, int j, int col, int n, int m, int k)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        ref float aRow = ref Unsafe.Add(ref a, j);
        ref float bRow = ref Unsafe.Add(ref b, col);
        for (int p = 0; p < n; p++, aRow = ref Unsafe.Add(ref aRow, m), bRow = ref Unsafe.Add(ref bRow, k))
        {
            var b0 = Load(ref bRow, 0);
            var b1 = Load(ref bRow, Width);
            var x = Broadcast(ref aRow, 0);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Broadcast(ref aRow, 1);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Broadcast(ref aRow, 2);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Broadcast(ref aRow, 3);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
        }
        int o0 = j * k + col, o1 = o0 + k, o2 = o1 + k, o3 = o2 + k;
        Store(c00, ref c, o0); Store(c01, ref c, o0 + Width);
        Store(c10, ref c, o1); Store(c11, ref c, o1 + Width);
        Store(c20, ref c, o2); Store(c21, ref c, o2 + Width);
        Store(c30, ref c, o3); Store(c31, ref c, o3 + Width);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposedBlock4x8(ref float a, ref float b, ref float c, int j, int col, int n, int m, int k)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        ref float aRow = ref Unsafe.Add(ref a, j);
        ref float bRow = ref Unsafe.Add(ref b, col);
        for (int p = 0; p < n; p++, aRow = ref Unsafe.Add(ref aRow, m), bRow = ref Unsafe.Add(ref bRow, k))
        {
            var b0 = Load(ref bRow, 0);
            c0 = Vector256.FusedMultiplyAdd(Broadcast(ref aRow, 0), b0, c0);
            c1 = Vector256.FusedMultiplyAdd(Broadcast(ref aRow, 1), b0, c1);
            c2 = Vector256.FusedMultiplyAdd(Broadcast(ref aRow, 2), b0, c2);
            c3 = Vector256.FusedMultiplyAdd(Broadcast(ref aRow, 3), b0, c3);
        }
        int o0 = j * k + col;
        Store(c0, ref c, o0); Store(c1, ref c, o0 + k); Store(c2, ref c, o0 + 2 * k); Store(c3, ref c, o0 + 3 * k);
    }

    /// <summary>Each of the <paramref name="n"/> rows of C[n×m] set to <paramref name="row"/> (a layer's bias, before its product accumulates).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FillRows(ReadOnlySpan<float> row, Span<float> c, int n)
    {
        int m = row.Length;
        if (c.Length < n * m) throw new ArgumentException("A span is shorter than its matrix.");
        for (int r = 0; r < n; r++) row.CopyTo(c.Slice(r * m, m));
    }

    /// <summary>sums[m] = Σ over the rows of A[n×m] (a bias gradient), in 8-wide column vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumRows(ReadOnlySpan<float> a, int n, int m, Span<float> sums)
    {
        if (a.Length < n * m || sums.Length < m) throw new ArgumentException("A span is shorter than its matrix.");
        if (m == 1)
        {
            sums[0] = TensorPrimitives.Sum(a[..n]);
            return;
        }
        ref float ra = ref MemoryMarshal.GetReference(a);
        int col = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; col + Width <= m; col += Width)
            {
                Vector256<float> acc = default;
                for (int r = 0; r < n; r++) acc += Load(ref ra, r * m + col);
                acc.StoreUnsafe(ref MemoryMarshal.GetReference(sums), (nuint)col);
            }
        for (; col < m; col++)
        {
            float sum = 0;
            for (int r = 0; r < n; r++) sum += Unsafe.Add(ref ra, r * m + col);
            sums[col] = sum;
        }
    }

    /// <summary>T[m×n] = S[n×m]ᵀ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(ReadOnlySpan<float> source, Span<float> target, int n, int m)
    {
        if (n < 0 || m < 0 || source.Length < n * m || target.Length < n * m) throw new ArgumentException("A span is shorter than its matrix.");
        ref float s = ref MemoryMarshal.GetReference(source);
        ref float t = ref MemoryMarshal.GetReference(target);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) Unsafe.Add(ref t, j * n + i) = Unsafe.Add(ref s, i * m + j);
    }
}
