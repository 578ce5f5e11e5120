using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cdat.ML.Networks;

/// <summary>
/// A batch of mostly-zero input rows (one-hot categories beside a few numbers) in compressed sparse form, for the first
/// layer of <see cref="MlpDerivatives"/>: its products then cost in proportion to the non-zero inputs, not to the
/// one-hot width. Adult's 108 features hold about 14 non-zeros a row.
/// </summary>
internal sealed class SparseRows
{
    /// <summary>Rows are kept sparse when at most this share of their values are non-zero (the dense kernel wins above).</summary>
    internal const double MaxDensity = 0.3;

    private const int Width = 8;
    private int[] _start = [], _columns = [];
    private float[] _values = [], _valuesByColumn = [];
    private int[] _columnStart = [], _rowsByColumn = [];
    private int _rows, _inputs;
    /// <summary>The rows <see cref="SortByColumn"/> last grouped (−1: none since the last read).</summary>
    private int _sortedFor = -1;

    /// <summary>Reads <paramref name="rows"/> rows of <paramref name="x"/> [rows × inputs]; false (and nothing kept) when they are too dense.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Read(ReadOnlySpan<float> x, int rows, int inputs)
    {
        if (rows < 0 || inputs <= 0 || x.Length < rows * inputs) throw new ArgumentException("The span is shorter than its rows.", nameof(x));
        // Whatever was read before is gone, whether or not these rows are kept.
        (_rows, _inputs, _sortedFor) = (0, inputs, -1);
        // Counted first, without writing: dense rows are turned away after a cheap pass over at most a third of them.
        int count = CountNonZeros(x[..(rows * inputs)], (int)(MaxDensity * rows * inputs));
        if (count < 0) return false;
        if (_start.Length < rows + 1) _start = new int[rows + 1];
        if (_columns.Length < count) (_columns, _values) = (new int[count], new float[count]);
        ref float rx = ref MemoryMarshal.GetReference(x);
        int at = 0;
        for (int r = 0; r < rows; r++)
        {
            _start[r] = at;
            int row = r * inputs, c = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; c + Width <= inputs; c += Width)
                    // A mask of the chunk's non-zeros (NaN included): one-hot rows have none in most chunks.
                    for (uint mask = NonZeros(ref rx, row + c); mask != 0; mask &= mask - 1)
                    {
                        int column = c + System.Numerics.BitOperations.TrailingZeroCount(mask);
                        (_columns[at], _values[at++]) = (column, Unsafe.Add(ref rx, row + column));
                    }
            for (; c < inputs; c++)
            {
                float value = Unsafe.Add(ref rx, row + c);
                if (value != 0) (_columns[at], _values[at++]) = (c, value);
            }
        }
        _start[rows] = at;
        _rows = rows;
        return true;
    }

    /// <summary>Bit i set where the 8 values from <paramref name="at"/> hold a non-zero (NaN included).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint NonZeros(ref float values, int at) =>
        ~Vector256.Equals(Vector256.LoadUnsafe(ref values, (nuint)at), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFF;

    /// <summary>The non-zero values, or −1 as soon as there are more than <paramref name="limit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CountNonZeros(ReadOnlySpan<float> values, int limit)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int count = 0, i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + Width <= values.Length; i += Width)
                if ((count += System.Numerics.BitOperations.PopCount(NonZeros(ref start, i))) > limit) return -1;
        for (; i < values.Length; i++)
            if (values[i] != 0 && ++count > limit) return -1;
        return count;
    }

    /// <summary>
    /// output[rows × outputs] = X·Wᵀ + b, from <paramref name="transposed"/> = Wᵀ [inputs × outputs] (a row per input,
    /// so each non-zero input adds one contiguous row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Affine(ReadOnlySpan<float> transposed, ReadOnlySpan<float> bias, Span<float> output, int outputs)
    {
        if (transposed.Length < _inputs * outputs || bias.Length < outputs || output.Length < _rows * outputs)
            throw new ArgumentException("A span is shorter than its matrix.");
        ref float w = ref MemoryMarshal.GetReference(transposed);
        ref float o = ref MemoryMarshal.GetReference(output);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref int columns = ref MemoryMarshal.GetArrayDataReference(_columns);
        ref float values = ref MemoryMarshal.GetArrayDataReference(_values);
        int vectorColumns = Vector256.IsHardwareAccelerated ? outputs - outputs % Width : 0;
        for (int r = 0; r < _rows; r++)
        {
            int from = _start[r], to = _start[r + 1];
            ref float row = ref Unsafe.Add(ref o, r * outputs);
            int j = 0;
            // 64 outputs at a time in eight registers, so that a row's non-zeros add up without a store between them.
            for (; j + 8 * Width <= vectorColumns; j += 8 * Width)
            {
                bias.Slice(j, 8 * Width).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref row, j), 8 * Width));
                AddRows64(ref w, outputs, j, ref columns, ref values, from, to, ref Unsafe.Add(ref row, j), accumulate: true);
            }
            for (; j < vectorColumns; j += Width)
            {
                var acc = Vector256.LoadUnsafe(ref b, (nuint)j);
                for (int e = from; e < to; e++)
                    acc = Vector256.FusedMultiplyAdd(Vector256.Create(_values[e]), Vector256.LoadUnsafe(ref w, (nuint)(_columns[e] * outputs + j)), acc);
                acc.StoreUnsafe(ref row, (nuint)j);
            }
            for (; j < outputs; j++)
            {
                float sum = bias[j];
                for (int e = from; e < to; e++) sum = MathF.FusedMultiplyAdd(_values[e], Unsafe.Add(ref w, _columns[e] * outputs + j), sum);
                Unsafe.Add(ref row, j) = sum;
            }
        }
    }

    /// <summary>
    /// target[0..64] (+)= Σ over entries e in [from, to) of values[e] · matrix[indices[e] · stride + j ..][0..64]: the 64
    /// sums held in eight registers, so that the entries add up without a store between them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddRows64(ref float matrix, int stride, int j, ref int indices, ref float values, int from, int to, ref float target, bool accumulate)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        if (accumulate)
        {
            a0 = Vector256.LoadUnsafe(ref target, 0);
            a1 = Vector256.LoadUnsafe(ref target, Width);
            a2 = Vector256.LoadUnsafe(ref target, 2 * Width);
            a3 = Vector256.LoadUnsafe(ref target, 3 * Width);
            a4 = Vector256.LoadUnsafe(ref target, 4 * Width);
            a5 = Vector256.LoadUnsafe(ref target, 5 * Width);
            a6 = Vector256.LoadUnsafe(ref target, 6 * Width);
            a7 = Vector256.LoadUnsafe(ref target, 7 * Width);
        }
        for (int e = from; e < to; e++)
        {
            var v = Vector256.Create(Unsafe.Add(ref values, e));
            ref float row = ref Unsafe.Add(ref matrix, Unsafe.Add(ref indices, e) * stride + j);
            a0 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref row, 0), a0);
            a1 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref row, Width), a1);
            a2 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref row, 2 * Width), a2);
            a3 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref row, 3 * Width), a3);
            a4 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref row, 4 * Width), a4);
            a5 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref row, 5 * Width), a5);
            a6 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref row, 6 * Width), a6);
            a7 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref row, 7 * Width), a7);
        }
        a0.StoreUnsafe(ref target, 0);
        a1.StoreUnsafe(ref target, Width);
        a2.StoreUnsafe(ref target, 2 * Width);
        a3.StoreUnsafe(ref target, 3 * Width);
        a4.StoreUnsafe(ref target, 4 * Width);
        a5.StoreUnsafe(ref target, 5 * Width);
        a6.StoreUnsafe(ref target, 6 * Width);
        a7.StoreUnsafe(ref target, 7 * Width);
    }

    /// <summary>
    /// gradient[outputs × inputs] = Dᵀ·X for D [rows × outputs]: each input column's non-zeros add up rows of D in
    /// registers (the rows are sorted by column once per batch), and the sum is written into the gradient's column.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WeightGradient(ReadOnlySpan<float> d, Span<float> gradient, int inputs, int outputs)
    {
        if (d.Length < _rows * outputs || gradient.Length < inputs * outputs || inputs != _inputs) throw new ArgumentException("A span is shorter than its matrix.");
        SortByColumn(inputs);
        ref float rd = ref MemoryMarshal.GetReference(d);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        Span<float> sums = stackalloc float[8 * Width];
        ref float s = ref MemoryMarshal.GetReference(sums);
        int vectorColumns = Vector256.IsHardwareAccelerated ? outputs - outputs % Width : 0;
        for (int c = 0; c < inputs; c++)
        {
            int from = _columnStart[c], to = _columnStart[c + 1];
            for (int j = 0; j < outputs; j += 8 * Width)
            {
                int width = Math.Min(8 * Width, outputs - j);
                if (width == 8 * Width && j + width <= vectorColumns)
                    AddRows64(ref rd, outputs, j, ref MemoryMarshal.GetArrayDataReference(_rowsByColumn), ref MemoryMarshal.GetArrayDataReference(_valuesByColumn), from, to, ref s, accumulate: false);
                else
                    for (int t = 0; t < width; t++)
                    {
                        float sum = 0;
                        for (int e = from; e < to; e++) sum = MathF.FusedMultiplyAdd(_valuesByColumn[e], Unsafe.Add(ref rd, _rowsByColumn[e] * outputs + j + t), sum);
                        sums[t] = sum;
                    }
                for (int t = 0; t < width; t++) Unsafe.Add(ref g, (j + t) * inputs + c) = sums[t];
            }
        }
    }

    /// <summary>The non-zeros again, grouped by input column (a counting sort, once per batch read).</summary>
    private void SortByColumn(int inputs)
    {
        if (_sortedFor == _rows) return;
        int count = _start[_rows];
        if (_columnStart.Length < inputs + 1) _columnStart = new int[inputs + 1];
        if (_rowsByColumn.Length < count) (_rowsByColumn, _valuesByColumn) = (new int[_columns.Length], new float[_columns.Length]);
        var next = _columnStart.AsSpan(0, inputs + 1);
        next.Clear();
        for (int e = 0; e < count; e++) next[_columns[e] + 1]++;
        for (int c = 0; c < inputs; c++) next[c + 1] += next[c];
        Span<int> fill = inputs <= 4096 ? stackalloc int[inputs] : new int[inputs];
        next[..inputs].CopyTo(fill);
        for (int r = 0; r < _rows; r++)
            for (int e = _start[r]; e < _start[r + 1]; e++)
            {
                int at = fill[_columns[e]]++;
                (_rowsByColumn[at], _valuesByColumn[at]) = (r, _values[e]);
            }
        _sortedFor = _rows;
    }
}
