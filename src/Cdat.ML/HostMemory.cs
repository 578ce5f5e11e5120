using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML;

/// <summary>
/// The memory of contiguous float32 CPU tensors as spans, so that small per-step updates (Adam's moments, dot products,
/// weight copies and averages) run as managed loops instead of one libtorch dispatch per tensor and operation, which
/// on a small network costs more than the arithmetic. Writing through a span bypasses autograd's version counter: only
/// tensors no live graph has saved are written this way.
/// </summary>
internal static class HostMemory
{
    /// <summary>Set to false to run these updates as libtorch operations (the reference path, for comparisons).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>Whether <paramref name="t"/> can be read and written as a span: float32, on the CPU, contiguous, dense.</summary>
    public static bool IsHostFloat(Tensor t) =>
        Enabled && t.dtype == ScalarType.Float32 && t.device_type == DeviceType.CPU && !t.is_sparse && t.is_contiguous();

    /// <summary>Whether every tensor of every list is one <see cref="IsHostFloat"/> accepts.</summary>
    public static bool AllHostFloat(params IReadOnlyList<Tensor>[] lists)
    {
        foreach (var list in lists)
            foreach (var t in list)
                if (!IsHostFloat(t)) return false;
        return true;
    }

    /// <summary>The elements of a tensor <see cref="IsHostFloat"/> accepts (valid while it lives).</summary>
    public static unsafe Span<float> Floats(Tensor t) => new((void*)Pointer(t), checked((int)t.numel()));

    /// <summary>Where a CPU tensor's elements start, as TorchSharp's own TensorAccessor asks libtorch.</summary>
    public static IntPtr Pointer(Tensor t) => THSTensor_data(t.Handle);

    /// <summary>Σ a·b with each product rounded to float32 and the sum kept in float64, as <c>(a * b).sum(Float64)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (b.Length < a.Length) throw new ArgumentException("The spans differ in length.", nameof(b));
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        var low = Vector256<double>.Zero;
        var high = Vector256<double>.Zero;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= a.Length; i += 8)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref ra, (nuint)i) * Vector256.LoadUnsafe(ref rb, (nuint)i));
                low += lower;
                high += upper;
            }
        double sum = Vector256.Sum(low + high);
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr handle);
}
