using static TorchSharp.torch;

namespace Cdat.ML;

/// <summary>
/// The working precision's limits. A number that becomes a libtorch scalar must fit the weights' float type: beyond it,
/// libtorch fails ("value cannot be converted to type float without overflow"), and where it fails inside autograd,
/// the process aborts. Settings are checked against it where they are validated.
/// </summary>
internal static class Precision
{
    /// <summary>The largest finite number of the weights' type.</summary>
    public static double Largest(bool float64) => float64 ? double.MaxValue : float.MaxValue;

    /// <summary>The largest number libtorch converts to the type of every one of <paramref name="parameters"/>.</summary>
    public static double Largest(IEnumerable<Tensor> parameters) => parameters.Min(p => p.dtype switch
    {
        ScalarType.Float64 => double.MaxValue,
        ScalarType.Float16 => 65504.0,
        _ => float.MaxValue,
    });

    /// <summary>"float32" or "float64".</summary>
    public static string Name(bool float64) => float64 ? "float64" : "float32";

    /// <summary>
    /// Requires <paramref name="valid"/> (the setting's own rule, stated by <paramref name="rule"/>) and a finite value of
    /// at most the largest number of the precision, or its square root when the value enters squared.
    /// </summary>
    public static void RequireFits(double value, bool valid, string name, bool float64, string rule, bool squared = false)
    {
        double bound = squared ? Math.Sqrt(Largest(float64)) : Largest(float64);
        Check.Require(valid && double.IsFinite(value) && Math.Abs(value) <= bound, name,
            FormattableString.Invariant($"must be {rule} and at most {bound:G3} ({(squared ? "the square root of " : "")}the largest {Name(float64)})"), value);
    }
}
