namespace Cdat.ML.Data;

/// <summary>
/// What reading learns of the labels: the row count, a running mean and variance (Welford), and whether a classifier
/// has at least two classes. <see cref="Finish"/> checks them and standardises regression labels when asked.
/// </summary>
internal sealed class LabelTally(LabeledColumns columns, string role)
{
    private readonly HashSet<float> _seen = new();
    private double _mean, _m2;

    public long Rows { get; private set; }

    public void Add(float label)
    {
        Rows++;
        double delta = label - _mean;
        _mean += delta / Rows;
        _m2 += delta * (label - _mean);
        if (columns.Task != CdatTask.Regression && _seen.Count < 2) _seen.Add(label);
    }

    /// <summary>Checks the counts, and with <paramref name="standardize"/> (regression) sets the columns' label scaling and applies it to <paramref name="labels"/>.</summary>
    public void Finish(List<float> labels, bool standardize)
    {
        if (Rows == 0) throw new InvalidDataException($"The {role} data has no rows.");
        if (role == "training" && columns.Task != CdatTask.Regression && _seen.Count < 2)
            throw new InvalidDataException($"Label column '{columns.Label.Name}' has a single class in the training data; a classifier needs at least two.");
        if (!standardize || columns.Task != CdatTask.Regression) return;
        double std = Math.Sqrt(_m2 / Rows);
        columns.LabelOffset = _mean;
        columns.LabelScale = std > 0 ? std : 1.0;
        for (int i = 0; i < labels.Count; i++) labels[i] = (float)((labels[i] - columns.LabelOffset) / columns.LabelScale);
    }
}
