namespace Cdat.ML.Samples.Cli;

/// <summary>Summaries the samples report over seeds and steps.</summary>
internal static class Stats
{
    /// <summary>The median (the mean of the middle two for an even count); NaN when there are no values.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
