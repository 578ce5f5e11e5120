using TorchSharp;

namespace Cdat.ML;

/// <summary>
/// Explicit TorchSharp scalars. TorchSharp passes a <see cref="Scalar"/>'s native handle to libtorch without keeping the
/// managed object alive, and <see cref="Scalar"/> frees that handle in its finalizer: a scalar created implicitly from a
/// number (<c>t.mul(0.5)</c>, <c>alpha: lr</c>, <c>t / norm</c>) can be finalized while libtorch still reads it, which
/// surfaced as "INTERNAL ASSERT FAILED at Scalar.h" or "Expected false to be true … from toFloat" under allocation pressure. Library code therefore creates every
/// scalar argument with <c>using var s = Scalars.Of(x);</c>, which keeps it alive until the end of the scope.
/// TorchSharp's own one-operand overloads (<c>a.add_(b)</c>, <c>a.add(s)</c>, <c>a + b</c>, <c>a + s</c>, <c>s − a</c>,
/// <c>addcdiv_(x, y)</c>, <c>torch.arange(n)</c>) create an implicit scalar in the same way, so library code passes
/// <see cref="One"/> (a float64 1: for integer tensors use <see cref="OfInt64"/>) instead. <c>a − b</c> of two tensors is safe.
/// </summary>
internal static class Scalars
{
    /// <summary>The alpha of a plain sum; a static root, so it is never finalized.</summary>
    public static readonly Scalar One = 1.0.ToScalar();

    /// <summary>A float64 scalar; dispose it after the call that uses it.</summary>
    public static Scalar Of(double value) => value.ToScalar();

    /// <summary>An int64 scalar (indices, ranges); dispose it after the call that uses it.</summary>
    public static Scalar OfInt64(long value) => value.ToScalar();
}
