namespace Cdat.ML;

/// <summary>Argument checks with messages that name the offending option.</summary>
internal static class Check
{
    public static void Positive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number greater than 0.");
    }

    public static void NonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number greater than or equal to 0.");
    }

    public static void InRange(double value, double low, double high, string name, bool highInclusive = false)
    {
        bool ok = double.IsFinite(value) && value >= low && (highInclusive ? value <= high : value < high);
        if (!ok)
            throw new ArgumentOutOfRangeException(name, value,
                FormattableString.Invariant($"{name} must lie in [{low}, {high}{(highInclusive ? "]" : ")")}."));
    }

    public static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be greater than 0.");
    }
}
