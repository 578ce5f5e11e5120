using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Data;

/// <summary>
/// Reads (features, label) rows through a cursor and checks each value: NaN or infinite features or labels, missing or
/// out-of-range keys fail with a message naming the column and the row.
/// </summary>
internal sealed class LabeledRows : IDisposable
{
    private readonly LabeledColumns _columns;
    private readonly DataViewRowCursor _cursor;
    private readonly ValueGetter<VBuffer<float>> _features;
    private readonly ValueGetter<float>? _single;
    private readonly ValueGetter<bool>? _boolean;
    private readonly ValueGetter<uint>? _key;
    private readonly ValueGetter<float>? _weight;
    private VBuffer<float> _buffer;
    private float[]? _raw;
    private readonly string _role;

    /// <param name="data">The rows.</param>
    /// <param name="columns">Which columns to read.</param>
    /// <param name="role">"training" or "validation", for messages.</param>
    /// <param name="random">Where the data view can shuffle (<see cref="IDataView.CanShuffle"/>), a seeded order.</param>
    public LabeledRows(IDataView data, LabeledColumns columns, string role = "training", Random? random = null)
    {
        _columns = columns;
        _role = role;
        var read = columns.Weight is { } weight ? new[] { columns.Features, columns.Label, weight } : new[] { columns.Features, columns.Label };
        _cursor = data.GetRowCursor(read, data.CanShuffle ? random : null);
        _features = _cursor.GetGetter<VBuffer<float>>(columns.Features);
        if (columns.Weight is { } w) _weight = _cursor.GetGetter<float>(w);
        switch (columns.Task)
        {
            case CdatTask.Regression: _single = _cursor.GetGetter<float>(columns.Label); break;
            case CdatTask.BinaryClassification: _boolean = _cursor.GetGetter<bool>(columns.Label); break;
            default: _key = _cursor.GetGetter<uint>(columns.Label); break;
        }
    }

    /// <summary>Largest regression label magnitude: its square still fits float32 with room to spare.</summary>
    public const float MaxRegressionLabel = 1e18f;

    /// <summary>Rows read so far.</summary>
    public long Row { get; private set; }

    /// <summary>Moves to the next row; false at the end.</summary>
    public bool MoveNext()
    {
        if (!_cursor.MoveNext()) return false;
        Row++;
        return true;
    }

    /// <summary>
    /// Copies the current row's features into <paramref name="destination"/> after checking them, through the columns'
    /// scaler when they have one (<see cref="LabeledColumns.InputCount"/> values).
    /// </summary>
    public void ReadFeatures(Span<float> destination)
    {
        _features(ref _buffer);
        if (_buffer.Length != _columns.FeatureCount)
            throw new InvalidDataException($"Row {Row} of the {_role} data: feature column '{_columns.Features.Name}' has {_buffer.Length} values, {_columns.FeatureCount} expected.");
        // An encoding writes more values than it reads: the raw row goes to a buffer of its own first.
        var raw = _columns.InputCount == _columns.FeatureCount ? destination[.._columns.FeatureCount] : (_raw ??= new float[_columns.FeatureCount]);
        _buffer.CopyTo(raw);
        for (int i = 0; i < _columns.FeatureCount; i++)
            if (!float.IsFinite(raw[i]))
                throw new InvalidDataException($"Row {Row} of the {_role} data: feature column '{_columns.Features.Name}' holds {raw[i].ToString(CultureInfo.InvariantCulture)} at index {i}. Remove or impute such rows (e.g. mlContext.Transforms.ReplaceMissingValues).");
        _columns.Scaler?.Apply(raw, destination);
    }

    /// <summary>
    /// Appends the current row's non-zero features (column indices ascending) to <paramref name="indices"/> and
    /// <paramref name="values"/> after checking them; returns how many were appended.
    /// </summary>
    public int ReadSparse(List<int> indices, List<float> values)
    {
        _features(ref _buffer);
        if (_buffer.Length != _columns.FeatureCount)
            throw new InvalidDataException($"Row {Row} of the {_role} data: feature column '{_columns.Features.Name}' has {_buffer.Length} values, {_columns.FeatureCount} expected.");
        var explicitValues = _buffer.GetValues();
        var explicitIndices = _buffer.IsDense ? default : _buffer.GetIndices();
        int added = 0;
        for (int k = 0; k < explicitValues.Length; k++)
        {
            float v = explicitValues[k];
            int i = _buffer.IsDense ? k : explicitIndices[k];
            if (!float.IsFinite(v))
                throw new InvalidDataException($"Row {Row} of the {_role} data: feature column '{_columns.Features.Name}' holds {v.ToString(CultureInfo.InvariantCulture)} at index {i}. Remove or impute such rows (e.g. mlContext.Transforms.ReplaceMissingValues).");
            if (v == 0) continue;
            indices.Add(i);
            values.Add(v);
            added++;
        }
        return added;
    }

    /// <summary>
    /// The current row's example weight times the columns' <see cref="LabeledColumns.WeightScale"/>, after checking it:
    /// 1 without a weight column. A row of weight 0 is skipped by the readers (it has no influence).
    /// </summary>
    public float ReadWeight()
    {
        if (_weight is null) return 1f;
        float value = 0;
        _weight(ref value);
        if (!float.IsFinite(value) || value < 0)
            throw new InvalidDataException($"Row {Row} of the {_role} data: example weight column '{_columns.Weight!.Value.Name}' holds {value.ToString(CultureInfo.InvariantCulture)}; weights must be finite and ≥ 0 (0 leaves the row out).");
        // A row is skipped on its weight as given: scaling must not round a tiny weight to 0 on a later read.
        if (value == 0) return 0;
        float scaled = (float)(value * _columns.WeightScale);
        return scaled > 0 ? scaled : float.Epsilon;
    }

    /// <summary>The current row's label as the network's target: the value (regression), 0/1 (binary) or the class index.</summary>
    public float ReadLabel()
    {
        switch (_columns.Task)
        {
            case CdatTask.Regression:
                float value = 0;
                _single!(ref value);
                if (!float.IsFinite(value))
                    throw new InvalidDataException($"Row {Row} of the {_role} data: label column '{_columns.Label.Name}' holds {value.ToString(CultureInfo.InvariantCulture)}.");
                if (Math.Abs(value) > MaxRegressionLabel)
                    throw new InvalidDataException($"Row {Row} of the {_role} data: label column '{_columns.Label.Name}' holds {value.ToString(CultureInfo.InvariantCulture)}; labels beyond ±1e18 overflow float32 arithmetic (their squares, the scaled outputs). Rescale the label, e.g. divide it by a constant.");
                return (float)((value - _columns.LabelOffset) / _columns.LabelScale);
            case CdatTask.BinaryClassification:
                bool flag = false;
                _boolean!(ref flag);
                return flag ? 1f : 0f;
            default:
                uint key = 0;
                _key!(ref key);
                if (key == 0)
                    throw new InvalidDataException($"Row {Row} of the {_role} data: label column '{_columns.Label.Name}' is missing (key 0, a value not in the key's dictionary).");
                if (key > _columns.ClassCount)
                    throw new InvalidDataException($"Row {Row} of the {_role} data: label column '{_columns.Label.Name}' holds key {key}, outside 1..{_columns.ClassCount}.");
                return key - 1;
        }
    }

    public void Dispose() => _cursor.Dispose();
}
