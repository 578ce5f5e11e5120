using TorchSharp;

namespace Cdat.ML.Curvature;

/// <summary>
/// Explicit TorchSharp scalars. TorchSharp passes a <see cref="Scalar"/>'s native handle to libtorch without keeping the
/// managed object alive, and <see cref="Scalar"/> frees that handle in its finalizer: a scalar created implicitly from a
/// number (<c>t.mul(0.5)</c>, <c>alpha: lr</c>, <c>t / norm</c>) can be finalized while libtorch still reads it, which
/// surfaced as "INTERNAL ASSERT FAILED at Scalar.h" under allocation pressure. Library code therefore creates every
/// scalar argument with <c>using var s = Scalars.Of(x);</c>, which keeps it alive until the end of the scope.
/// </summary>
internal static class Scalars
{
    /// <summary>A float64 scalar; dispose it after the call that uses it.</summary>
    public static Scalar Of(double value) => value.ToScalar();
}
