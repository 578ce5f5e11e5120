using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.MLNet;

/// <summary>
/// Builds the chain of ML.NET's own loadable transformers that carries a Cdat model through Model.Save/Load:
/// the model travels as a one-entry lookup table (ValueMapping), the scoring code as CustomMapping factories found
/// again by contract name, and the output columns come from CopyColumns/Concatenate/MapValue. ML.NET keeps the
/// loaders of third-party transformers internal, so this is the public route.
/// </summary>
internal static class ScoringPipeline
{
    // Only used to construct built-in estimators; it plays no part after Save/Load.
    private static readonly MLContext Builder = new(seed: 0);

    /// <param name="model">The trained model.</param>
    /// <param name="featureColumnName">Its feature column.</param>
    /// <param name="inputColumns">The input's column names (class names that collide with them are stashed).</param>
    /// <param name="blob">The stored model text; null (always, outside tests) encodes <paramref name="model"/>.</param>
    public static IEstimator<ITransformer> Build(CdatModelParameters model, string featureColumnName, IEnumerable<string> inputColumns, string? blob = null)
    {
        var t = Builder.Transforms;
        var chain = new EstimatorChain<ITransformer>()
            .Append<ITransformer>(t.CopyColumns(PipelineNames.Features, featureColumnName))
            .Append<ITransformer>(t.CustomMapping<CdatFeaturesRow, CdatModelKeyRow>(CdatModelKeyFactory.Map, PipelineNames.ContractModelKey))
            .Append<ITransformer>(t.Conversion.MapValue(PipelineNames.ModelBlob,
                new[] { new KeyValuePair<string, string>(PipelineNames.KeyValue, blob ?? ModelBlob.Encode(model)) }, PipelineNames.ModelKey));
        var drop = new List<string> { PipelineNames.Features, PipelineNames.ModelKey, PipelineNames.ModelBlob };

        switch (model.Task)
        {
            case CdatTask.Regression:
                chain = chain
                    .Append<ITransformer>(t.CustomMapping<CdatScoringRow, CdatRegressionRow>(CdatRegressionFactory.Map, PipelineNames.ContractRegression))
                    .Append<ITransformer>(t.CopyColumns("Score", PipelineNames.Score));
                drop.Add(PipelineNames.Score);
                break;
            case CdatTask.BinaryClassification:
                chain = chain
                    .Append<ITransformer>(t.CustomMapping<CdatScoringRow, CdatBinaryRow>(CdatBinaryFactory.Map, PipelineNames.ContractBinary))
                    .Append<ITransformer>(t.CopyColumns("Score", PipelineNames.Score))
                    .Append<ITransformer>(t.CopyColumns("Probability", PipelineNames.Probability))
                    .Append<ITransformer>(t.CopyColumns("PredictedLabel", PipelineNames.Predicted));
                drop.AddRange(new[] { PipelineNames.Score, PipelineNames.Probability, PipelineNames.Predicted });
                break;
            case CdatTask.MulticlassClassification:
                chain = AppendMulticlass(chain, model, inputColumns, drop);
                break;
        }
        return chain.Append<ITransformer>(t.DropColumns(drop.Distinct().ToArray()));
    }

    /// <summary>
    /// Score: a known-size vector whose slot names are the class names, made by concatenating one scalar column per
    /// class named after it (the only public way to name slots). PredictedLabel: a key with the label's key values.
    /// Input columns that share a class's name are stashed and put back before the outputs are written, so no user
    /// column is lost and a class may be called "Score" or "PredictedLabel".
    /// </summary>
    private static EstimatorChain<ITransformer> AppendMulticlass(EstimatorChain<ITransformer> chain, CdatModelParameters model,
                                                                 IEnumerable<string> inputColumns, List<string> drop)
    {
        var t = Builder.Transforms;
        var names = model.ClassNames;
        int classes = names.Count, blocks = (classes + CdatScoreBlockRow.Size - 1) / CdatScoreBlockRow.Size;
        chain = chain
            .Append<ITransformer>(t.CustomMapping<CdatScoringRow, CdatMulticlassRow>(CdatMulticlassFactory.Map, PipelineNames.ContractMulticlass))
            // The class count travels beside the blocks, so a model blob of another class count fails instead of scoring.
            .Append<ITransformer>(t.Conversion.MapValue(PipelineNames.Classes,
                new[] { new KeyValuePair<string, uint>(PipelineNames.KeyValue, (uint)classes) }, PipelineNames.ModelKey));
        drop.AddRange(new[] { PipelineNames.Scores, PipelineNames.PredictedIndex, PipelineNames.Block, PipelineNames.Classes, PipelineNames.ScoreVector });

        var inputs = new HashSet<string>(inputColumns, StringComparer.Ordinal);
        var stashed = names.Where(inputs.Contains).Distinct().ToArray();
        for (int i = 0; i < stashed.Length; i++)
            chain = chain.Append<ITransformer>(t.CopyColumns(PipelineNames.StashPrefix + i, stashed[i]));

        for (int b = 0; b < blocks; b++)
        {
            int first = b * CdatScoreBlockRow.Size, count = Math.Min(CdatScoreBlockRow.Size, classes - first);
            chain = chain
                .Append<ITransformer>(t.Conversion.MapValue(PipelineNames.Block,
                    new[] { new KeyValuePair<string, uint>(PipelineNames.KeyValue, (uint)b) }, PipelineNames.ModelKey))
                .Append<ITransformer>(t.CustomMapping<CdatCheckedScoreBlockInput, CdatScoreBlockRow>(CdatCheckedScoreBlockFactory.Map, PipelineNames.ContractScoreBlockChecked))
                // A Single→Single conversion is the one public transform that copies many columns under new names at once.
                .Append<ITransformer>(t.Conversion.ConvertType(Enumerable.Range(0, count)
                    .Select(i => new InputOutputColumnPair(names[first + i], CdatScoreBlockRow.ColumnName(i))).ToArray(), DataKind.Single));
        }
        drop.AddRange(Enumerable.Range(0, CdatScoreBlockRow.Size).Select(CdatScoreBlockRow.ColumnName));

        chain = chain
            .Append<ITransformer>(t.Concatenate(PipelineNames.ScoreVector, names.ToArray()))
            .Append<ITransformer>(t.DropColumns(names.ToArray()));
        for (int i = 0; i < stashed.Length; i++)
        {
            chain = chain.Append<ITransformer>(t.CopyColumns(stashed[i], PipelineNames.StashPrefix + i));
            drop.Add(PipelineNames.StashPrefix + i);
        }
        return chain
            .Append<ITransformer>(t.CopyColumns("Score", PipelineNames.ScoreVector))
            .Append<ITransformer>(t.Conversion.MapValue("PredictedLabel",
                names.Select((n, i) => new KeyValuePair<uint, string>((uint)i, n)), PipelineNames.PredictedIndex, treatValuesAsKeyType: true));
    }
}
