namespace Cdat.ML.Data;

/// <summary>
/// What reading learns of the labels and weights: the row count, a running mean and variance (Welford), whether a
/// classifier has at least two classes, and the weights' sum and range. <see cref="Finish"/> checks them, standardises
/// regression labels when asked and scales varying weights to mean 1.
/// </summary>
internal sealed class LabelTally(LabeledColumns columns, string role)
{
    private readonly HashSet<float> _seen = new();
    private double _mean, _m2, _weightSum;
    private float _weightMin = float.PositiveInfinity, _weightMax = float.NegativeInfinity;

    public long Rows { get; private set; }

    /// <summary>Counts a row of weight > 0 (rows of weight 0 are not counted: they have no influence).</summary>
    public void Add(float label, float weight = 1)
    {
        Rows++;
        double delta = label - _mean;
        _mean += delta / Rows;
        _m2 += delta * (label - _mean);
        if (columns.Task != CdatTask.Regression && _seen.Count < 2) _seen.Add(label);
        _weightSum += weight;
        _weightMin = Math.Min(_weightMin, weight);
        _weightMax = Math.Max(_weightMax, weight);
    }

    /// <summary>
    /// Checks the counts and returns the columns as later reads must see them: with <paramref name="standardize"/>
    /// (regression) the label scaling, applied to <paramref name="labels"/> too; when the weights differ, the weight
    /// scaling, applied to <paramref name="weights"/> too.
    /// </summary>
    public LabeledColumns Finish(List<float> labels, bool standardize, List<float>? weights = null)
    {
        if (Rows == 0)
            throw new InvalidDataException(columns.Weight is { } w
                ? $"The {role} data has no rows of example weight > 0 (column '{w.Name}')."
                : $"The {role} data has no rows.");
        if (role == "training" && columns.Task != CdatTask.Regression && _seen.Count < 2)
            throw new InvalidDataException($"Label column '{columns.Label.Name}' has a single class in the training data{(columns.Weight is null ? "" : " (rows of weight > 0)")}; a classifier needs at least two.");
        var read = columns;
        if (columns.Weight is not null && _weightMin != _weightMax)
        {
            read = read with { WeightsVary = true, WeightScale = Rows / _weightSum };
            if (weights is not null)
                for (int i = 0; i < weights.Count; i++) weights[i] = (float)(weights[i] * read.WeightScale);
        }
        if (!standardize || columns.Task != CdatTask.Regression) return read;
        double std = Math.Sqrt(_m2 / Rows);
        read = read with { LabelOffset = _mean, LabelScale = std > 0 ? std : 1.0 };
        for (int i = 0; i < labels.Count; i++) labels[i] = (float)((labels[i] - read.LabelOffset) / read.LabelScale);
        return read;
    }
}
