namespace Cdat.ML;

/// <summary>
/// Argument and option checks, stated once: every message names the argument or option at fault and its rule, as in
/// "WeightDecay must be ≥ 0.".
/// </summary>
internal static class Check
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> "<paramref name="name"/> <paramref name="rule"/>." unless <paramref name="condition"/>.</summary>
    public static void Require(bool condition, string name, string rule, object? value = null)
    {
        if (!condition) throw new ArgumentOutOfRangeException(name, value, $"{name} {rule}.");
    }

    public static void Positive(double value, string name) =>
        Require(double.IsFinite(value) && value > 0, name, "must be a finite number greater than 0", value);

    public static void Positive(double? value, string name)
    {
        if (value is double v) Require(double.IsFinite(v) && v > 0, name, "must be a finite number greater than 0 when set", v);
    }

    public static void NonNegative(double value, string name) =>
        Require(double.IsFinite(value) && value >= 0, name, "must be a finite number ≥ 0", value);

    public static void InRange(double value, double low, double high, string name, bool highInclusive = false) =>
        Require(double.IsFinite(value) && value >= low && (highInclusive ? value <= high : value < high), name,
            FormattableString.Invariant($"must lie in [{low}, {high}{(highInclusive ? "]" : ")")}"), value);

    public static void Positive(long value, string name) => Require(value > 0, name, "must be greater than 0", value);

    public static void Positive(long? value, string name)
    {
        if (value is long v) Require(v > 0, name, "must be greater than 0 when set", v);
    }
}
