using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cdat.ML.Scoring;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Cdat.ML.MLNet;

// The stateless scoring code of the persisted pipeline. ML.NET finds these factories again at Model.Load by their
// contract names; the trained model reaches them per row through the model-blob column. Contract and column names are
// part of the on-disk format: never rename them, add new versions instead.

/// <summary>Emits the model-blob lookup key (pipeline factory, not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(PipelineNames.ContractModelKey)]
internal sealed class CdatModelKeyFactory : CustomMappingFactory<CdatFeaturesRow, CdatModelKeyRow>
{
    /// <summary>The mapping.</summary>
    public static void Map(CdatFeaturesRow source, CdatModelKeyRow destination) => destination.ModelKey = PipelineNames.KeyValue;
    /// <inheritdoc/>
    public override Action<CdatFeaturesRow, CdatModelKeyRow> GetMapping() => Map;
}

/// <summary>Regression scoring (pipeline factory, not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(PipelineNames.ContractRegression)]
internal sealed class CdatRegressionFactory : CustomMappingFactory<CdatScoringRow, CdatRegressionRow>
{
    /// <summary>The mapping.</summary>
    public static void Map(CdatScoringRow source, CdatRegressionRow destination)
    {
        Span<float> output = stackalloc float[1];
        ModelBlob.Get(source.ModelBlob, CdatTask.Regression, source.Features.Length).Score(source.Features, output);
        destination.Score = output[0];
    }
    /// <inheritdoc/>
    public override Action<CdatScoringRow, CdatRegressionRow> GetMapping() => Map;
}

/// <summary>Binary scoring (pipeline factory, not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(PipelineNames.ContractBinary)]
internal sealed class CdatBinaryFactory : CustomMappingFactory<CdatScoringRow, CdatBinaryRow>
{
    /// <summary>The mapping.</summary>
    public static void Map(CdatScoringRow source, CdatBinaryRow destination)
    {
        Span<float> output = stackalloc float[1];
        ModelBlob.Get(source.ModelBlob, CdatTask.BinaryClassification, source.Features.Length).Score(source.Features, output);
        destination.Score = output[0];
        destination.Probability = OutputFunctions.Probability(output[0]);
        // As ML.NET's binary scorer: a NaN score (a NaN feature) predicts false.
        destination.PredictedLabel = output[0] > 0;
    }
    /// <inheritdoc/>
    public override Action<CdatScoringRow, CdatBinaryRow> GetMapping() => Map;
}

/// <summary>Multiclass scoring (pipeline factory, not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(PipelineNames.ContractMulticlass)]
internal sealed class CdatMulticlassFactory : CustomMappingFactory<CdatScoringRow, CdatMulticlassRow>
{
    /// <summary>The mapping.</summary>
    public static void Map(CdatScoringRow source, CdatMulticlassRow destination)
    {
        var model = ModelBlob.Get(source.ModelBlob, CdatTask.MulticlassClassification, source.Features.Length);
        if (destination.Scores.Length != model.OutputCount) destination.Scores = new float[model.OutputCount];
        model.Score(source.Features, destination.Scores);
        // No class (-1, a NaN row) becomes an index outside the class map, which maps to a missing key as in ML.NET.
        destination.PredictedIndex = OutputFunctions.ArgMax(destination.Scores) is int best and >= 0 ? (uint)best : uint.MaxValue;
        // Like ML.NET's own multiclass trainers, Score holds class probabilities (the evaluator's log-loss needs them).
        OutputFunctions.Softmax(destination.Scores, destination.Scores);
    }
    /// <inheritdoc/>
    public override Action<CdatScoringRow, CdatMulticlassRow> GetMapping() => Map;
}

/// <summary>Splits class logits into blocks of scalar columns (pipeline factory of models saved before v2, not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(PipelineNames.ContractScoreBlock)]
internal sealed class CdatScoreBlockFactory : CustomMappingFactory<CdatScoreBlockInput, CdatScoreBlockRow>
{
    /// <summary>The mapping.</summary>
    public static void Map(CdatScoreBlockInput source, CdatScoreBlockRow destination) =>
        destination.Fill(source.Scores, BlockOffset(source.Block, source.Scores.Length));
    /// <inheritdoc/>
    public override Action<CdatScoreBlockInput, CdatScoreBlockRow> GetMapping() => Map;

    internal static int BlockOffset(uint block, int scores)
    {
        long offset = (long)block * CdatScoreBlockRow.Size;
        if (offset >= scores)
            throw new InvalidDataException($"The Cdat pipeline in this ML.NET model asks for class block {block}, but the model has only {scores} classes: the model file is corrupt.");
        return (int)offset;
    }
}

/// <summary>Splits class logits into blocks of scalar columns, checking the class count (pipeline factory, not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(PipelineNames.ContractScoreBlockChecked)]
internal sealed class CdatCheckedScoreBlockFactory : CustomMappingFactory<CdatCheckedScoreBlockInput, CdatScoreBlockRow>
{
    /// <summary>The mapping.</summary>
    public static void Map(CdatCheckedScoreBlockInput source, CdatScoreBlockRow destination)
    {
        if (source.Scores.Length != source.Classes)
            throw new InvalidDataException($"The Cdat model data in this ML.NET model has {source.Scores.Length} classes, but the pipeline around it was built for {source.Classes}: the model file was assembled from parts of different models or is corrupt.");
        destination.Fill(source.Scores, CdatScoreBlockFactory.BlockOffset(source.Block, source.Scores.Length));
    }
    /// <inheritdoc/>
    public override Action<CdatCheckedScoreBlockInput, CdatScoreBlockRow> GetMapping() => Map;
}

/// <summary>
/// Parses model blobs once per blob instance (the lookup's string lives as long as the loaded model). A blob that fails
/// to decode fails the same way on every later row, without decoding again.
/// </summary>
internal static class ModelBlob
{
    private sealed class Decoded(CdatModelParameters? model, string? error)
    {
        public CdatModelParameters Model => model ?? throw new InvalidDataException(error);
    }

    private static readonly ConditionalWeakTable<string, Decoded> ByString = new();
    private static readonly ConditionalWeakTable<char[], Dictionary<(int, int), Decoded>> ByArray = new();

    public static string Encode(CdatModelParameters model) => Convert.ToBase64String(model.ToBytes());

    public static CdatModelParameters Decode(ReadOnlySpan<char> blob) => TryDecode(blob).Model;

    private static Decoded TryDecode(ReadOnlySpan<char> blob)
    {
        const string where = "The Cdat model data in this ML.NET model (the text value of column '" + PipelineNames.ModelBlob +
                             "', stored by the ValueMapping transformer of the model file) ";
        var bytes = new byte[blob.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64Chars(blob, bytes, out int written))
            return new Decoded(null, where + "is corrupt: it is not base64.");
        try
        {
            return new Decoded(CdatModelParameters.FromBytes(bytes.AsSpan(0, written)), null);
        }
        catch (InvalidDataException e)
        {
            return new Decoded(null, where + "cannot be read: " + e.Message);
        }
    }

    /// <summary>The model of <paramref name="blob"/>, checked to be a <paramref name="task"/> model taking <paramref name="features"/> features.</summary>
    public static CdatModelParameters Get(ReadOnlyMemory<char> blob, CdatTask task, int features)
    {
        var model = Get(blob);
        if (model.Task != task)
            throw new InvalidDataException($"The Cdat model data in this ML.NET model is a {model.Task} model, but the pipeline around it scores {task}: the model file was assembled from parts of different models.");
        if (model.FeatureCount != features)
            throw new InvalidDataException($"The Cdat model takes {model.FeatureCount} features, but the pipeline's feature column gives {features}: the model file was assembled from parts of different models, or the data has another feature size.");
        return model;
    }

    public static CdatModelParameters Get(ReadOnlyMemory<char> blob)
    {
        if (MemoryMarshal.TryGetString(blob, out var text, out int start, out int length) && start == 0 && length == text.Length)
            return ByString.GetValue(text, s => TryDecode(s)).Model;
        if (MemoryMarshal.TryGetArray(blob, out ArraySegment<char> segment) && segment.Array is { } array)
        {
            var perArray = ByArray.GetValue(array, _ => new Dictionary<(int, int), Decoded>());
            Decoded decoded;
            lock (perArray)
            {
                if (!perArray.TryGetValue((segment.Offset, segment.Count), out decoded!))
                    perArray[(segment.Offset, segment.Count)] = decoded = TryDecode(segment.AsSpan());
            }
            return decoded.Model;
        }
        return Decode(blob.Span);
    }
}
