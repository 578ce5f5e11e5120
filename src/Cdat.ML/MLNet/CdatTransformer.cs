using Cdat.ML.Diagnostics;
using Cdat.ML.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML;

/// <summary>
/// A fitted Cdat model in an ML.NET pipeline: it adds the task's prediction columns (Score; Probability and
/// PredictedLabel for binary; Score per class and PredictedLabel for multiclass) and exposes the model and its training
/// diagnostics. <c>mlContext.Model.Save</c> stores it as ML.NET built-in transformers, so a loaded model scores
/// identically through ML.NET's public API alone; <see cref="CdatModel.FromLoaded"/> finds the model parameters and
/// training metrics in a loaded model again.
/// </summary>
public sealed class CdatTransformer : ISingleFeaturePredictionTransformer<CdatModelParameters>
{
    private readonly ITransformer _pipeline;

    internal CdatTransformer(CdatModelParameters model, ITransformer pipeline, string featureColumnName, DataViewType featureColumnType,
                             IReadOnlyList<StepRecord> trace)
    {
        Model = model;
        _pipeline = pipeline;
        FeatureColumnName = featureColumnName;
        FeatureColumnType = featureColumnType;
        TrainingTrace = trace;
    }

    /// <summary>The trained model: weights, task, class names, training metrics.</summary>
    public CdatModelParameters Model { get; }
    /// <summary>How training went.</summary>
    public CdatTrainingMetrics TrainingMetrics => Model.TrainingMetrics;
    /// <summary>One record per training step, in order (kept in memory only, not saved with the model).</summary>
    public IReadOnlyList<StepRecord> TrainingTrace { get; }
    /// <inheritdoc/>
    public string FeatureColumnName { get; }
    /// <inheritdoc/>
    public DataViewType FeatureColumnType { get; }
    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <summary>The per-step trace as an IDataView (e.g. for <c>mlContext.Data.SaveAsText</c>); missing values are NaN.</summary>
    public IDataView GetTrainingTrace(MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return CdatModel.TraceToDataView(mlContext, TrainingTrace);
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _pipeline.GetOutputSchema(inputSchema);
    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _pipeline.Transform(input);
    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _pipeline.GetRowToRowMapper(inputSchema);
    /// <summary>Saves the model as ML.NET built-in transformers (called by <c>mlContext.Model.Save</c>).</summary>
    public void Save(ModelSaveContext ctx) => _pipeline.Save(ctx);
}

/// <summary>Finds Cdat models inside ML.NET models, also after <c>mlContext.Model.Load</c>; turns step records into data views.</summary>
public static partial class CdatModel
{
    /// <summary>
    /// Step records (<see cref="CdatTransformer.TrainingTrace"/>, or <see cref="Training.TrainingResult.Steps"/> of the engine) as
    /// an IDataView with one column per field, NaN where a value was not measured; save it with <c>mlContext.Data.SaveAsText</c>.
    /// </summary>
    public static IDataView TraceToDataView(MLContext mlContext, IEnumerable<StepRecord> steps)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(steps);
        return mlContext.Data.LoadFromEnumerable(steps.Select(StepTraceRow.From).ToArray());
    }

    /// <summary>
    /// The Cdat models in <paramref name="model"/> (a fitted or loaded pipeline), in pipeline order. After Load the
    /// pipeline holds ML.NET built-in transformers; the model parameters and training metrics are read back from them.
    /// </summary>
    public static IReadOnlyList<CdatModelParameters> FromLoaded(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var found = new List<CdatModelParameters>();
        Collect(model, found);
        return found;
    }

    /// <summary>
    /// The trainer's transformer again, from a loaded (or fitted) model: what ML.NET's
    /// <c>PermutationFeatureImportance</c> needs, e.g. <c>ml.Regression.PermutationFeatureImportance(CdatModel.TransformerFromLoaded(loaded, prep.Transform(data)), prep.Transform(data))</c>.
    /// It scores as the loaded model does; its <see cref="CdatTransformer.TrainingTrace"/> is empty (traces are not saved).
    /// </summary>
    /// <param name="model">A loaded or fitted pipeline holding a Cdat model (the last one is taken).</param>
    /// <param name="data">Data as it reaches the trainer (after the pipeline's transforms in front of it).</param>
    /// <param name="featureColumnName">The feature column the model was trained on.</param>
    public static CdatTransformer TransformerFromLoaded(ITransformer model, IDataView data, string featureColumnName = "Features")
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(featureColumnName);
        var found = FromLoaded(model);
        if (found.Count == 0) throw new ArgumentException("The model holds no Cdat model.", nameof(model));
        var cdat = found[^1];
        var column = data.Schema.GetColumnOrNull(featureColumnName)
            ?? throw new ArgumentException($"The data has no feature column '{featureColumnName}'.", nameof(featureColumnName));
        if (column.Type is not VectorDataViewType vector || vector.ItemType != NumberDataViewType.Single || vector.Size != cdat.FeatureCount)
            throw new ArgumentException($"Feature column '{featureColumnName}' is {column.Type}; the model expects a vector of {cdat.FeatureCount} Single values.", nameof(featureColumnName));
        var pipeline = ScoringPipeline.Build(cdat, featureColumnName, data.Schema.Select(c => c.Name)).Fit(data);
        return new CdatTransformer(cdat, pipeline, featureColumnName, column.Type, Array.Empty<StepRecord>());
    }

    private static void Collect(ITransformer transformer, List<CdatModelParameters> found)
    {
        switch (transformer)
        {
            case CdatTransformer cdat:
                found.Add(cdat.Model);
                return;
            case IEnumerable<ITransformer> chain:
                foreach (var inner in chain) Collect(inner, found);
                return;
            case Microsoft.ML.Transforms.ValueMappingTransformer lookup when ReadBlob(lookup) is { } blob:
                found.Add(ModelBlob.Get(blob.AsMemory()));
                return;
        }
    }

    /// <summary>The model blob if <paramref name="lookup"/> is the pipeline's blob lookup.</summary>
    private static string? ReadBlob(ITransformer lookup)
    {
        var ml = new MLContext(0);
        var probe = ml.Data.LoadFromEnumerable(new[] { new KeyRow() });
        DataViewSchema output;
        try { output = lookup.GetOutputSchema(probe.Schema); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return null; }
        if (output.GetColumnOrNull(PipelineNames.ModelBlob) is not { Type: TextDataViewType } column) return null;
        using var cursor = lookup.Transform(probe).GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
        ReadOnlyMemory<char> value = default;
        if (!cursor.MoveNext()) return null;
        getter(ref value);
        return value.ToString();
    }

    private sealed class KeyRow
    {
        [ColumnName(PipelineNames.ModelKey)] public string Key { get; set; } = PipelineNames.KeyValue;
    }
}
