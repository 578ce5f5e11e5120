using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Cdat.ML.MLNet;

// The stateless scoring code of the persisted pipeline. ML.NET finds these factories again at Model.Load by their
// contract names; the trained model reaches them per row through the model-blob column. Contract and column names are
// part of the on-disk format: never rename them, add new versions instead.

/// <summary>Column and contract names of the persisted scoring pipeline.</summary>
internal static class PipelineNames
{
    public const string Features = "__cdat_features";
    public const string ModelKey = "__cdat_modelkey";
    public const string ModelBlob = "__cdat_modelblob";
    public const string Score = "__cdat_score";
    public const string Probability = "__cdat_probability";
    public const string Predicted = "__cdat_predicted";
    public const string Scores = "__cdat_scores";
    public const string PredictedIndex = "__cdat_predidx";
    public const string Block = "__cdat_block";
    public const string StashPrefix = "__cdat_stash_";
    public const string KeyValue = "cdat";

    public const string ContractModelKey = "Cdat.ML.ModelKey.v1";
    public const string ContractRegression = "Cdat.ML.RegressionScore.v1";
    public const string ContractBinary = "Cdat.ML.BinaryScore.v1";
    public const string ContractMulticlass = "Cdat.ML.MulticlassScores.v1";
    public const string ContractScoreBlock = "Cdat.ML.MulticlassScoreBlock.v1";
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CdatFeaturesRow
{
    /// <summary>The features.</summary>
    [ColumnName(PipelineNames.Features)] public float[] Features = Array.Empty<float>();
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CdatModelKeyRow
{
    /// <summary>The key of the model-blob lookup.</summary>
    [ColumnName(PipelineNames.ModelKey)] public string ModelKey = "";
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CdatScoringRow
{
    /// <summary>The features.</summary>
    [ColumnName(PipelineNames.Features)] public float[] Features = Array.Empty<float>();
    /// <summary>The serialised model (no per-row copy: ReadOnlyMemory over the lookup's string).</summary>
    [ColumnName(PipelineNames.ModelBlob)] public ReadOnlyMemory<char> ModelBlob;
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CdatRegressionRow
{
    /// <summary>Predicted value.</summary>
    [ColumnName(PipelineNames.Score)] public float Score;
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CdatBinaryRow
{
    /// <summary>Logit.</summary>
    [ColumnName(PipelineNames.Score)] public float Score;
    /// <summary>Sigmoid of the logit.</summary>
    [ColumnName(PipelineNames.Probability)] public float Probability;
    /// <summary>Logit &gt; 0.</summary>
    [ColumnName(PipelineNames.Predicted)] public bool PredictedLabel;
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CdatMulticlassRow
{
    /// <summary>One probability per class (softmax of the logits).</summary>
    [ColumnName(PipelineNames.Scores)] public float[] Scores = Array.Empty<float>();
    /// <summary>Index of the largest logit.</summary>
    [ColumnName(PipelineNames.PredictedIndex)] public uint PredictedIndex;
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CdatScoreBlockInput
{
    /// <summary>All class logits.</summary>
    [ColumnName(PipelineNames.Scores)] public float[] Scores = Array.Empty<float>();
    /// <summary>Which block of 64 classes to emit.</summary>
    [ColumnName(PipelineNames.Block)] public uint Block;
}

/// <summary>Emits the model-blob lookup key (pipeline factory, not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(PipelineNames.ContractModelKey)]
public sealed class CdatModelKeyFactory : CustomMappingFactory<CdatFeaturesRow, CdatModelKeyRow>
{
    /// <summary>The mapping.</summary>
    public static void Map(CdatFeaturesRow source, CdatModelKeyRow destination) => destination.ModelKey = PipelineNames.KeyValue;
    /// <inheritdoc/>
    public override Action<CdatFeaturesRow, CdatModelKeyRow> GetMapping() => Map;
}

/// <summary>Regression scoring (pipeline factory, not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(PipelineNames.ContractRegression)]
public sealed class CdatRegressionFactory : CustomMappingFactory<CdatScoringRow, CdatRegressionRow>
{
    /// <summary>The mapping.</summary>
    public static void Map(CdatScoringRow source, CdatRegressionRow destination)
    {
        Span<float> output = stackalloc float[1];
        ModelBlob.Get(source.ModelBlob).Score(source.Features, output);
        destination.Score = output[0];
    }
    /// <inheritdoc/>
    public override Action<CdatScoringRow, CdatRegressionRow> GetMapping() => Map;
}

/// <summary>Binary scoring (pipeline factory, not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(PipelineNames.ContractBinary)]
public sealed class CdatBinaryFactory : CustomMappingFactory<CdatScoringRow, CdatBinaryRow>
{
    /// <summary>The mapping.</summary>
    public static void Map(CdatScoringRow source, CdatBinaryRow destination)
    {
        Span<float> output = stackalloc float[1];
        ModelBlob.Get(source.ModelBlob).Score(source.Features, output);
        destination.Score = output[0];
        destination.Probability = 1f / (1f + MathF.Exp(-output[0]));
        destination.PredictedLabel = output[0] > 0;
    }
    /// <inheritdoc/>
    public override Action<CdatScoringRow, CdatBinaryRow> GetMapping() => Map;
}

/// <summary>Multiclass scoring (pipeline factory, not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(PipelineNames.ContractMulticlass)]
public sealed class CdatMulticlassFactory : CustomMappingFactory<CdatScoringRow, CdatMulticlassRow>
{
    /// <summary>The mapping.</summary>
    public static void Map(CdatScoringRow source, CdatMulticlassRow destination)
    {
        var model = ModelBlob.Get(source.ModelBlob);
        if (destination.Scores.Length != model.OutputCount) destination.Scores = new float[model.OutputCount];
        model.Score(source.Features, destination.Scores);
        destination.PredictedIndex = (uint)System.Numerics.Tensors.TensorPrimitives.IndexOfMax(destination.Scores);
        // Like ML.NET's own multiclass trainers, Score holds class probabilities (the evaluator's log-loss needs them).
        System.Numerics.Tensors.TensorPrimitives.SoftMax(destination.Scores, destination.Scores);
    }
    /// <inheritdoc/>
    public override Action<CdatScoringRow, CdatMulticlassRow> GetMapping() => Map;
}

/// <summary>Splits class logits into blocks of scalar columns (pipeline factory, not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(PipelineNames.ContractScoreBlock)]
public sealed class CdatScoreBlockFactory : CustomMappingFactory<CdatScoreBlockInput, CdatScoreBlockRow>
{
    /// <summary>The mapping.</summary>
    public static void Map(CdatScoreBlockInput source, CdatScoreBlockRow destination) =>
        destination.Fill(source.Scores, checked((int)source.Block * CdatScoreBlockRow.Size));
    /// <inheritdoc/>
    public override Action<CdatScoreBlockInput, CdatScoreBlockRow> GetMapping() => Map;
}

/// <summary>Parses model blobs once per blob instance (the lookup's string lives as long as the loaded model).</summary>
internal static class ModelBlob
{
    private static readonly ConditionalWeakTable<string, CdatModelParameters> ByString = new();
    private static readonly ConditionalWeakTable<char[], Dictionary<(int, int), CdatModelParameters>> ByArray = new();

    public static string Encode(CdatModelParameters model) => Convert.ToBase64String(model.ToBytes());

    public static CdatModelParameters Decode(ReadOnlySpan<char> blob)
    {
        var bytes = new byte[blob.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64Chars(blob, bytes, out int written))
            throw new InvalidDataException("The Cdat model data in this ML.NET model is corrupt (not base64).");
        return CdatModelParameters.FromBytes(bytes.AsSpan(0, written));
    }

    public static CdatModelParameters Get(ReadOnlyMemory<char> blob)
    {
        if (MemoryMarshal.TryGetString(blob, out var text, out int start, out int length) && start == 0 && length == text.Length)
            return ByString.GetValue(text, s => Decode(s));
        if (MemoryMarshal.TryGetArray(blob, out ArraySegment<char> segment) && segment.Array is { } array)
        {
            var perArray = ByArray.GetValue(array, _ => new Dictionary<(int, int), CdatModelParameters>());
            lock (perArray)
            {
                if (!perArray.TryGetValue((segment.Offset, segment.Count), out var model))
                    perArray[(segment.Offset, segment.Count)] = model = Decode(segment.AsSpan());
                return model;
            }
        }
        return Decode(blob.Span);
    }
}
