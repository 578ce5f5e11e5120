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

    /// <summary>"median [min-max]" of the values, each shown by <paramref name="show"/>; one value alone when
    /// <paramref name="singleAlone"/> and there is only one.</summary>
    public static string MedianRange(IEnumerable<double> values, Func<double, string> show, bool singleAlone = true)
    {
        var v = values.ToArray();
        return singleAlone && v.Length == 1 ? show(v[0]) : $"{show(Median(v))} [{show(v.Min())}-{show(v.Max())}]";
    }

    /// <summary>
    /// "median [min-max]" in the invariant <paramref name="format"/>, a diverged run (+∞, or NaN, which sorts last as +∞)
    /// shown as <paramref name="diverged"/>.
    /// </summary>
    public static string MedianRangeOrDiverged(IEnumerable<double> values, string format, string diverged, bool singleAlone = true) =>
        MedianRange(values.Select(x => double.IsNaN(x) ? double.PositiveInfinity : x),
                    x => double.IsFinite(x) ? x.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : diverged, singleAlone);

    /// <summary>"median [min-max]" with every value in the invariant <paramref name="format"/>.</summary>
    public static string MedianRange(IEnumerable<double> values, string format, bool singleAlone = true) =>
        MedianRange(values, x => x.ToString(format, System.Globalization.CultureInfo.InvariantCulture), singleAlone);
}
