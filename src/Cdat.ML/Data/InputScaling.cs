namespace Cdat.ML.Data;

/// <summary>How the trainer transforms the features before the network sees them (the model keeps the transform and scoring applies it).</summary>
public enum InputScaling
{
    /// <summary>The features as given: standardise them in the pipeline (e.g. <c>NormalizeMeanVariance</c>).</summary>
    None,
    /// <summary>
    /// Robust scaling with smooth clipping, measured on the training rows: each feature is centred on its median, divided
    /// by its interquartile range (half its range where the quartiles coincide; a constant feature is dropped), and
    /// smoothly clipped to (−3, 3). Works on raw, unnormalised features and tames outliers. Wide sparse features (text
    /// n-grams, 4096 slots or more) are left as given.
    /// </summary>
    Robust,
}
