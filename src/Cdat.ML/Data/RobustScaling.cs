using Cdat.ML.Scoring;

namespace Cdat.ML.Data;

/// <summary>
/// Measures <see cref="InputScaling.Robust"/>'s transform while the rows are read: every row's minimum and maximum per
/// feature, and a seeded uniform sample of rows (reservoir sampling, at most <see cref="MaxSampleValues"/> values) for the
/// quartiles, so streamed data needs no extra pass.
/// </summary>
internal sealed class RobustScaling
{
    /// <summary>The smooth clip's bound: scaled values stay in (−3, 3).</summary>
    public const float ClipBound = 3f;
    /// <summary>The quartiles come from at most this many sampled values (64 MB of floats)...</summary>
    public const long MaxSampleValues = 1L << 24;
    /// <summary>...and at most this many rows.</summary>
    public const int MaxSampleRows = 65_536;

    private readonly int _width, _capacity;
    private readonly List<float[]> _sample = new();
    private readonly double[] _min, _max;
    private readonly Random _random;
    private long _rows;

    /// <param name="width">Features per row.</param>
    /// <param name="seed">Seeds the sample.</param>
    /// <param name="sampleRows">Rows sampled for the quartiles (default: as many as <see cref="MaxSampleValues"/> allows, at most <see cref="MaxSampleRows"/>).</param>
    public RobustScaling(int width, long seed, int? sampleRows = null)
    {
        _width = width;
        _capacity = sampleRows ?? (int)Math.Clamp(MaxSampleValues / Math.Max(1, width), 1, MaxSampleRows);
        _min = Enumerable.Repeat(double.PositiveInfinity, width).ToArray();
        _max = Enumerable.Repeat(double.NegativeInfinity, width).ToArray();
        _random = new Random((int)(seed & int.MaxValue) ^ 0x5ca1e);
    }

    /// <summary>Takes one row into account.</summary>
    public void Add(ReadOnlySpan<float> row)
    {
        _rows++;
        for (int j = 0; j < _width; j++)
        {
            if (row[j] < _min[j]) _min[j] = row[j];
            if (row[j] > _max[j]) _max[j] = row[j];
        }
        if (_sample.Count < _capacity) _sample.Add(row.ToArray());
        else
        {
            long k = _random.NextInt64(_rows);
            if (k < _capacity) row.CopyTo(_sample[(int)k]);
        }
    }

    /// <summary>
    /// The transform: center = median, factor = 1 / interquartile range (1 / half the range where the quartiles coincide,
    /// 0 for a constant feature); with <paramref name="bins"/> ≥ 2, the scaled features that take more than two values
    /// are encoded piecewise-linearly over that many bins of equal counts among the sampled rows.
    /// </summary>
    public FeatureScaler Finish(int bins = 0)
    {
        if (_rows == 0) throw new InvalidOperationException("No rows were read.");
        var center = new float[_width];
        var factor = new float[_width];
        var column = new float[_sample.Count];
        for (int j = 0; j < _width; j++)
        {
            for (int i = 0; i < column.Length; i++) column[i] = _sample[i][j];
            double median = Quantile(column, 0.5), spread = Quantile(column, 0.75) - Quantile(column, 0.25);
            if (spread <= 0) spread = 0.5 * (_max[j] - _min[j]);
            center[j] = (float)median;
            factor[j] = spread > 0 ? (float)Math.Min(1 / spread, float.MaxValue) : 0f;
        }
        var scaler = new FeatureScaler(center, factor, ClipBound);
        if (bins < 2) return scaler;
        var edges = new float[]?[_width];
        for (int j = 0; j < _width; j++)
        {
            if (factor[j] == 0) continue;
            for (int i = 0; i < column.Length; i++) column[i] = scaler.Scale(j, _sample[i][j]);
            edges[j] = QuantileEdges(column, bins);
        }
        return edges.All(e => e is null) ? scaler : new FeatureScaler(center, factor, ClipBound, new PiecewiseLinearEncoding(edges));
    }

    /// <summary>The narrowest bin, in scaled units (the interquartile range is 1).</summary>
    internal const float MinBinWidth = 1e-3f;

    /// <summary>
    /// The edges for <paramref name="bins"/> bins of about equal counts over one feature's sampled values (reordered): the
    /// sample's order statistics at t/bins, the first its minimum and the last its maximum. Null where the feature takes
    /// at most two distinct values (a flag gains nothing from bins) or the edges give fewer than two bins; edges that
    /// coincide (a value repeated across a quantile) are merged.
    /// </summary>
    internal static float[]? QuantileEdges(Span<float> sample, int bins)
    {
        if (sample.Length < 3 || bins < 2) return null;
        float min = System.Numerics.Tensors.TensorPrimitives.Min(sample), max = System.Numerics.Tensors.TensorPrimitives.Max(sample);
        bool between = false;
        foreach (float v in sample) if (v > min && v < max) { between = true; break; }
        if (!between) return null;
        var edges = new List<float>(bins + 1);
        for (int t = 0; t <= bins; t++)
        {
            // Order statistics, not interpolated quantiles: an interpolated edge between a flag's 0 and 1 would bin it.
            float q = Select(sample, (int)Math.Round((double)t / bins * (sample.Length - 1)));
            // A bin narrower than MinBinWidth would turn a float's last bits (float32 in ONNX, double here) into a jump.
            if (edges.Count == 0 || q >= edges[^1] + MinBinWidth) edges.Add(q);
        }
        return edges.Count >= 3 ? edges.ToArray() : null;
    }

    /// <summary>
    /// The <paramref name="q"/>-quantile of <paramref name="values"/> (reordered), interpolated linearly between order
    /// statistics as in the sorted array, found by selection rather than a sort: a wide one-hot sample took a sort per column.
    /// </summary>
    internal static double Quantile(Span<float> values, double q)
    {
        double position = q * (values.Length - 1);
        int low = (int)Math.Floor(position);
        float lower = Select(values, low);
        if (low + 1 >= values.Length || position == low) return lower;
        // Selection leaves every later value at least as large: the next order statistic is their minimum.
        float upper = System.Numerics.Tensors.TensorPrimitives.Min(values[(low + 1)..]);
        return lower + (position - low) * ((double)upper - lower);
    }

    /// <summary>
    /// The <paramref name="k"/>-th smallest value (from 0), leaving smaller-or-equal values before position k and
    /// larger-or-equal ones after it (Hoare's selection with a middle pivot; expected linear time). Values are finite.
    /// </summary>
    internal static float Select(Span<float> values, int k)
    {
        int left = 0, right = values.Length - 1;
        while (left < right)
        {
            float pivot = values[left + (right - left) / 2];
            int i = left, j = right;
            while (i <= j)
            {
                while (values[i] < pivot) i++;
                while (values[j] > pivot) j--;
                if (i <= j) (values[i], values[j]) = (values[j--], values[i++]);
            }
            if (k <= j) right = j;
            else if (k >= i) left = i;
            else return values[k];
        }
        return values[k];
    }
}
