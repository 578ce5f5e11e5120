namespace Cdat.ML.Scoring;

/// <summary>
/// Piecewise-linear encoding of numeric features over bins (Gorishniy et al., "On Embeddings for Numerical Features in
/// Tabular Deep Learning", 2022): a feature x with edges b₀ &lt; … &lt; b_T becomes T + 1 values, x itself and then,
/// for each bin t, (x − b_{t−1}) / (b_t − b_{t−1}) clamped to [0, 1] (the value itself carries x beyond the edges, so
/// the outer bins need not extrapolate, and an outlier cannot blow a narrow bin up). A feature without edges passes as
/// it is. The network's first layer then sees each numeric
/// feature both as it is (what a smooth function needs) and as a thermometer it can bend at every edge (what a tree
/// finds with its splits). Immutable and thread-safe.
/// </summary>
public sealed class PiecewiseLinearEncoding
{
    private readonly float[]?[] _edges;
    private readonly int[] _start;

    /// <summary>Creates the encoding from each feature's bin edges (copied).</summary>
    /// <param name="edges">Per feature: its edges, strictly increasing and finite, at least 3 (two bins); null passes the feature as it is.</param>
    public PiecewiseLinearEncoding(IReadOnlyList<IReadOnlyList<float>?> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        if (edges.Count == 0) throw new ArgumentException("An encoding needs at least one feature.", nameof(edges));
        _edges = new float[]?[edges.Count];
        _start = new int[edges.Count + 1];
        for (int j = 0; j < edges.Count; j++)
        {
            if (edges[j] is { } e)
            {
                if (e.Count < 3) throw new ArgumentException($"Feature {j} has {e.Count} edges; an encoded feature needs at least 3 (two bins).", nameof(edges));
                for (int t = 0; t < e.Count; t++)
                {
                    if (!float.IsFinite(e[t])) throw new ArgumentException($"Feature {j}'s edge {t} is {e[t]}; edges must be finite.", nameof(edges));
                    if (t > 0 && !(e[t] > e[t - 1])) throw new ArgumentException($"Feature {j}'s edges must increase strictly (edge {t} is {e[t]} after {e[t - 1]}).", nameof(edges));
                }
                _edges[j] = e.ToArray();
            }
            _start[j + 1] = _start[j] + (_edges[j] is { } kept ? kept.Length : 1);
        }
    }

    /// <summary>Number of features it reads.</summary>
    public int InputCount => _edges.Length;
    /// <summary>Number of values it writes: every feature's value, and the bins of those encoded.</summary>
    public int OutputCount => _start[^1];
    /// <summary>How many features are encoded (the others pass as they are).</summary>
    public int EncodedCount => _edges.Count(e => e is not null);
    /// <summary>The most bins a feature has.</summary>
    public int MaxBins => _edges.Max(e => e is null ? 0 : e.Length - 1);

    /// <summary>Feature <paramref name="feature"/>'s edges, or null where it passes as it is.</summary>
    public IReadOnlyList<float>? EdgesOf(int feature) => _edges[feature] is { } e ? Array.AsReadOnly(e) : null;

    /// <summary>Where feature <paramref name="feature"/>'s values start in the output.</summary>
    public int OutputStart(int feature) => _start[feature];

    /// <summary>Writes the encoded <paramref name="features"/> into <paramref name="destination"/> (a separate span).</summary>
    public void Apply(ReadOnlySpan<float> features, Span<float> destination)
    {
        if (features.Length != InputCount) throw new ArgumentException($"Expected {InputCount} features, got {features.Length}.", nameof(features));
        if (features.Overlaps(destination)) throw new ArgumentException("The destination must not overlap the features.", nameof(destination));
        if (destination.Length < OutputCount) throw new ArgumentException($"The destination needs room for {OutputCount} values.", nameof(destination));
        for (int j = 0; j < _edges.Length; j++)
        {
            float x = features[j];
            int k = _start[j];
            if (_edges[j] is not { } e)
            {
                destination[k] = x;
                continue;
            }
            int bins = e.Length - 1;
            destination[k++] = x;
            for (int t = 0; t < bins; t++)
            {
                float v = (x - e[t]) / (e[t + 1] - e[t]);
                destination[k + t] = v < 0 ? 0 : v > 1 ? 1 : v;
            }
        }
    }
}
