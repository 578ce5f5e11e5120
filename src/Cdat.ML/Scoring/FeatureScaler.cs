namespace Cdat.ML.Scoring;

/// <summary>
/// A per-feature input transform the network sees instead of the raw features: <c>z = (x − center)·factor</c>, then,
/// with a clip bound B &gt; 0, the smooth clip <c>z / √(1 + (z/B)²)</c>, which leaves small values alone and bounds
/// every value in (−B, B); with an <see cref="Encoding"/>, the scaled values are then encoded piecewise-linearly (more
/// values than features). Training applies it to every row it reads and scoring to every row it scores, with this same
/// code, so both see the same floats. Immutable and thread-safe.
/// </summary>
public sealed class FeatureScaler
{
    private readonly float[] _center, _factor;

    /// <summary>Creates the transform from copies of <paramref name="center"/> and <paramref name="factor"/>.</summary>
    /// <param name="center">Subtracted from each feature.</param>
    /// <param name="factor">Multiplies each centred feature (0 drops a feature that never varied).</param>
    /// <param name="clipBound">The smooth clip's bound B; 0 for no clipping.</param>
    public FeatureScaler(ReadOnlySpan<float> center, ReadOnlySpan<float> factor, float clipBound) : this(center, factor, clipBound, null) { }

    /// <summary>Creates the transform from copies of <paramref name="center"/> and <paramref name="factor"/>, followed by <paramref name="encoding"/>.</summary>
    /// <param name="center">Subtracted from each feature.</param>
    /// <param name="factor">Multiplies each centred feature (0 drops a feature that never varied).</param>
    /// <param name="clipBound">The smooth clip's bound B; 0 for no clipping.</param>
    /// <param name="encoding">Encodes the scaled values (null: they are the output).</param>
    public FeatureScaler(ReadOnlySpan<float> center, ReadOnlySpan<float> factor, float clipBound, PiecewiseLinearEncoding? encoding)
    {
        if (center.Length == 0) throw new ArgumentException("A feature scaler needs at least one feature.", nameof(center));
        if (factor.Length != center.Length)
            throw new ArgumentException($"The scaler has {center.Length} centers but {factor.Length} factors.", nameof(factor));
        if (!float.IsFinite(clipBound) || clipBound < 0)
            throw new ArgumentOutOfRangeException(nameof(clipBound), clipBound, "The clip bound must be finite and ≥ 0 (0: no clipping).");
        foreach (float c in center) if (!float.IsFinite(c)) throw new ArgumentException("Every center must be finite.", nameof(center));
        foreach (float f in factor) if (!float.IsFinite(f)) throw new ArgumentException("Every factor must be finite.", nameof(factor));
        if (encoding is not null && encoding.InputCount != center.Length)
            throw new ArgumentException($"The encoding reads {encoding.InputCount} features; the scaler has {center.Length}.", nameof(encoding));
        _center = center.ToArray();
        _factor = factor.ToArray();
        ClipBound = clipBound;
        Encoding = encoding;
        Center = Array.AsReadOnly(_center);
        Factor = Array.AsReadOnly(_factor);
    }

    /// <summary>Number of features it reads.</summary>
    public int Count => _center.Length;
    /// <summary>Number of values it writes: <see cref="Count"/>, or the encoding's output.</summary>
    public int OutputCount => Encoding?.OutputCount ?? Count;
    /// <summary>The piecewise-linear encoding of the scaled values; null when there is none.</summary>
    public PiecewiseLinearEncoding? Encoding { get; }
    /// <summary>What is subtracted from each feature.</summary>
    public IReadOnlyList<float> Center { get; }
    /// <summary>What each centred feature is multiplied by.</summary>
    public IReadOnlyList<float> Factor { get; }
    /// <summary>The smooth clip's bound; 0 when values are not clipped.</summary>
    public float ClipBound { get; }

    /// <summary>
    /// Writes the <see cref="OutputCount"/> transformed values of <paramref name="features"/> into
    /// <paramref name="destination"/> (which may start where <paramref name="features"/> does).
    /// </summary>
    public void Apply(ReadOnlySpan<float> features, Span<float> destination)
    {
        if (features.Length != Count) throw new ArgumentException($"Expected {Count} features, got {features.Length}.", nameof(features));
        if (destination.Length < OutputCount) throw new ArgumentException($"The destination needs room for {OutputCount} values.", nameof(destination));
        if (Encoding is null)
        {
            Scale(features, destination);
            return;
        }
        float[]? rented = null;
        Span<float> scaled = Count <= 1024 ? stackalloc float[Count] : (rented = System.Buffers.ArrayPool<float>.Shared.Rent(Count)).AsSpan(0, Count);
        try
        {
            Scale(features, scaled);
            Encoding.Apply(scaled, destination);
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }

    private void Scale(ReadOnlySpan<float> features, Span<float> destination)
    {
        for (int j = 0; j < features.Length; j++) destination[j] = Scale(j, features[j]);
    }

    /// <summary>Feature <paramref name="feature"/>'s value <paramref name="x"/>, scaled and clipped (not encoded).</summary>
    internal float Scale(int feature, float x)
    {
        // In double: a finite float far from the center times its factor must not overflow before it is clipped. A
        // dropped feature (factor 0) is 0 whatever it holds, ±∞ included.
        double z = _factor[feature] == 0 ? 0 : ((double)x - _center[feature]) * _factor[feature];
        if (ClipBound > 0)
        {
            double r = z / ClipBound;
            z = Math.Abs(r) > 1e150 ? Math.CopySign(ClipBound, r) : z / Math.Sqrt(1 + r * r);
        }
        return (float)z;
    }
}
