using System.ComponentModel;
using Microsoft.ML.Data;

namespace Cdat.ML.MLNet;

// The persisted scoring pipeline's column names and row types (part of the on-disk format: never rename them).

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
    public const string Classes = "__cdat_classes";
    public const string ScoreVector = "__cdat_scorevector";
    public const string StashPrefix = "__cdat_stash_";
    public const string KeyValue = "cdat";

    public const string ContractModelKey = "Cdat.ML.ModelKey.v1";
    public const string ContractRegression = "Cdat.ML.RegressionScore.v1";
    public const string ContractBinary = "Cdat.ML.BinaryScore.v1";
    public const string ContractMulticlass = "Cdat.ML.MulticlassScores.v1";
    public const string ContractScoreBlock = "Cdat.ML.MulticlassScoreBlock.v1";
    /// <summary>v2: also checks the block and the model's class count against the pipeline's.</summary>
    public const string ContractScoreBlockChecked = "Cdat.ML.MulticlassScoreBlock.v2";
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
internal sealed class CdatFeaturesRow
{
    /// <summary>The features.</summary>
    [ColumnName(PipelineNames.Features)] public float[] Features = Array.Empty<float>();
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
internal sealed class CdatModelKeyRow
{
    /// <summary>The key of the model-blob lookup.</summary>
    [ColumnName(PipelineNames.ModelKey)] public string ModelKey = "";
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
internal sealed class CdatScoringRow
{
    /// <summary>The features.</summary>
    [ColumnName(PipelineNames.Features)] public float[] Features = Array.Empty<float>();
    /// <summary>The serialised model (no per-row copy: ReadOnlyMemory over the lookup's string).</summary>
    [ColumnName(PipelineNames.ModelBlob)] public ReadOnlyMemory<char> ModelBlob;
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
internal sealed class CdatRegressionRow
{
    /// <summary>Predicted value.</summary>
    [ColumnName(PipelineNames.Score)] public float Score;
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
internal sealed class CdatBinaryRow
{
    /// <summary>Logit.</summary>
    [ColumnName(PipelineNames.Score)] public float Score;
    /// <summary>Sigmoid of the logit, kept within [2⁻²⁴, 1 − 2⁻²⁴].</summary>
    [ColumnName(PipelineNames.Probability)] public float Probability;
    /// <summary>Logit &gt; 0.</summary>
    [ColumnName(PipelineNames.Predicted)] public bool PredictedLabel;
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
internal sealed class CdatMulticlassRow
{
    /// <summary>One probability per class (softmax of the logits).</summary>
    [ColumnName(PipelineNames.Scores)] public float[] Scores = Array.Empty<float>();
    /// <summary>Index of the largest logit.</summary>
    [ColumnName(PipelineNames.PredictedIndex)] public uint PredictedIndex;
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
internal sealed class CdatScoreBlockInput
{
    /// <summary>All class logits.</summary>
    [ColumnName(PipelineNames.Scores)] public float[] Scores = Array.Empty<float>();
    /// <summary>Which block of 64 classes to emit.</summary>
    [ColumnName(PipelineNames.Block)] public uint Block;
}

/// <summary>Pipeline row (not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
internal sealed class CdatCheckedScoreBlockInput
{
    /// <summary>All class logits.</summary>
    [ColumnName(PipelineNames.Scores)] public float[] Scores = Array.Empty<float>();
    /// <summary>Which block of 64 classes to emit.</summary>
    [ColumnName(PipelineNames.Block)] public uint Block;
    /// <summary>The number of classes the pipeline was built for.</summary>
    [ColumnName(PipelineNames.Classes)] public uint Classes;
}
