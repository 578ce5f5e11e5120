using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Data;

/// <summary>
/// The feature, label and weight columns of a training IDataView, checked against the task, with messages that name the
/// column at fault and say how to fix it, and how their values are read (label standardisation, input and weight
/// scaling, which a first pass measures and returns as a new instance).
/// </summary>
internal sealed record LabeledColumns
{
    private LabeledColumns(DataViewSchema.Column features, int featureCount, DataViewSchema.Column label, CdatTask task, string[] classNames,
                           DataViewSchema.Column? weight)
    {
        Weight = weight;
        Features = features;
        FeatureCount = featureCount;
        Label = label;
        Task = task;
        ClassNames = classNames;
    }

    public DataViewSchema.Column Features { get; }
    /// <summary>Values in the feature column.</summary>
    public int FeatureCount { get; }
    /// <summary>Values a row holds once read: <see cref="FeatureCount"/>, or more where the scaler encodes features.</summary>
    public int InputCount => Scaler?.OutputCount ?? FeatureCount;
    public DataViewSchema.Column Label { get; }
    public CdatTask Task { get; }
    /// <summary>Class names in key order (multiclass), else empty.</summary>
    public string[] ClassNames { get; }
    public int ClassCount => ClassNames.Length;
    /// <summary>The example weight column (Single), or null: every row weighs the same.</summary>
    public DataViewSchema.Column? Weight { get; }

    /// <summary>Weights are read as weight × this factor, which the loader sets so that they average 1 over the rows read.</summary>
    public double WeightScale { get; init; } = 1.0;
    /// <summary>
    /// Whether the rows' weights differ, as the loader found (set with <see cref="WeightScale"/>): only then are targets
    /// packed with their weights. Equal weights train exactly as no weights.
    /// </summary>
    public bool WeightsVary { get; init; }

    /// <summary>Regression targets are read as (label − offset) / scale, so the network learns standardised values.</summary>
    public double LabelOffset { get; init; }
    /// <inheritdoc cref="LabelOffset"/>
    public double LabelScale { get; init; } = 1.0;
    /// <summary>When set, features are read through it (<see cref="InputScaling.Robust"/>), so the network sees scaled (and perhaps encoded) values.</summary>
    public Scoring.FeatureScaler? Scaler { get; init; }

    public static LabeledColumns Resolve(DataViewSchema schema, string featureColumnName, string labelColumnName, CdatTask task, string role = "training",
                                         string? exampleWeightColumnName = null)
    {
        DataViewSchema.Column? weight = null;
        if (exampleWeightColumnName is not null)
        {
            weight = schema.GetColumnOrNull(exampleWeightColumnName)
                ?? throw new ArgumentException($"The {role} data has no example weight column '{exampleWeightColumnName}'. Columns: {Names(schema)}.", "exampleWeightColumnName");
            CheckWeight(weight.Value.Type, exampleWeightColumnName);
        }
        var features = schema.GetColumnOrNull(featureColumnName)
            ?? throw new ArgumentException($"The {role} data has no feature column '{featureColumnName}'. Columns: {Names(schema)}.", "featureColumnName");
        int featureCount = CheckFeatures(features.Type, featureColumnName);
        var label = schema.GetColumnOrNull(labelColumnName)
            ?? throw new ArgumentException($"The {role} data has no label column '{labelColumnName}'. Columns: {Names(schema)}.", "labelColumnName");
        CheckLabel(label.Type, labelColumnName, task);
        var classNames = task == CdatTask.MulticlassClassification ? ClassNamesOf(label) : Array.Empty<string>();
        return new LabeledColumns(features, featureCount, label, task, classNames, weight);
    }

    /// <summary>An exception naming the column unless it is a single Single, as ML.NET's trainers take example weights.</summary>
    public static void CheckWeight(DataViewType type, string name)
    {
        if (type != NumberDataViewType.Single)
            throw new ArgumentException($"Example weight column '{name}' has type {type}; Cdat needs a single Single (use mlContext.Transforms.Conversion.ConvertType(\"{name}\", outputKind: DataKind.Single)).", "exampleWeightColumnName");
    }

    /// <summary>The number of features, or an exception naming the column.</summary>
    public static int CheckFeatures(DataViewType type, string name)
    {
        if (type is VectorDataViewType vector && vector.ItemType == NumberDataViewType.Single)
        {
            if (!vector.IsKnownSize)
                throw new ArgumentException($"Feature column '{name}' is a vector of Single of unknown size; Cdat needs a known size (build it with Concatenate from fixed columns).", "featureColumnName");
            return vector.Size;
        }
        if (type == NumberDataViewType.Single)
            throw new ArgumentException($"Feature column '{name}' is a single Single; Cdat needs a vector (use mlContext.Transforms.Concatenate(\"{name}\", ...)).", "featureColumnName");
        throw new ArgumentException($"Feature column '{name}' has type {type}; Cdat needs a known-size vector of Single (use ConvertType and Concatenate).", "featureColumnName");
    }

    private static void CheckLabel(DataViewType type, string name, CdatTask task)
    {
        switch (task)
        {
            case CdatTask.Regression when type != NumberDataViewType.Single:
                throw new ArgumentException($"Label column '{name}' has type {type}; regression needs Single.", "labelColumnName");
            case CdatTask.BinaryClassification when type != BooleanDataViewType.Instance:
                throw new ArgumentException($"Label column '{name}' has type {type}; binary classification needs Boolean.", "labelColumnName");
            case CdatTask.MulticlassClassification when type is not KeyDataViewType:
                throw new ArgumentException($"Label column '{name}' has type {type}; multiclass classification needs a key type (use mlContext.Transforms.Conversion.MapValueToKey(\"{name}\")).", "labelColumnName");
            case CdatTask.MulticlassClassification when type is KeyDataViewType key && (key.Count < 2 || key.Count > int.MaxValue):
                throw new ArgumentException($"Label column '{name}' is a key with {key.Count} values; multiclass classification needs at least 2.", "labelColumnName");
        }
    }

    private static string[] ClassNamesOf(DataViewSchema.Column label)
    {
        int count = (int)((KeyDataViewType)label.Type).Count;
        var annotation = label.Annotations.Schema.GetColumnOrNull("KeyValues");
        if (annotation is { } column && column.Type is VectorDataViewType { Size: var size } && size == count)
        {
            if (column.Type is VectorDataViewType { ItemType: TextDataViewType })
            {
                VBuffer<ReadOnlyMemory<char>> values = default;
                label.GetKeyValues(ref values);
                return values.DenseValues().Select(v => v.ToString()).ToArray();
            }
            // Keys made from numbers: their values as text.
            var names = TryKeyValuesAsText(label, column.Type);
            if (names is not null) return names;
        }
        return Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    private static string[]? TryKeyValuesAsText(DataViewSchema.Column label, DataViewType type)
    {
        switch (((VectorDataViewType)type).ItemType.RawType)
        {
            case var t when t == typeof(float): return Read<float>(label);
            case var t when t == typeof(double): return Read<double>(label);
            case var t when t == typeof(int): return Read<int>(label);
            case var t when t == typeof(uint): return Read<uint>(label);
            case var t when t == typeof(long): return Read<long>(label);
            case var t when t == typeof(bool): return Read<bool>(label);
            default: return null;
        }

        static string[] Read<T>(DataViewSchema.Column column)
        {
            VBuffer<T> values = default;
            column.GetKeyValues(ref values);
            return values.DenseValues().Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray();
        }
    }

    private static string Names(DataViewSchema schema) => string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name));
}
