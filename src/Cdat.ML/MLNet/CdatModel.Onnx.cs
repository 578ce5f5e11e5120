using Cdat.ML.Persistence;
using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Onnx;

namespace Cdat.ML;

// ONNX export: ML.NET's converter cannot see an outside trainer (ICanSaveOnnx is internal), so the transforms in front of
// the trainer are converted by ML.NET and the network's nodes are appended to that graph.
public static partial class CdatModel
{
    /// <summary>
    /// Writes <paramref name="model"/> as an ONNX model, as <c>mlContext.Model.ConvertToOnnx</c> does for ML.NET's own
    /// trainers: the transforms in front of the Cdat trainer are converted by ML.NET's converter (they must be ones it
    /// can convert), the trained network follows, and the outputs are the columns with ".output" appended, as ML.NET
    /// names them (<c>Score.output</c>; <c>Probability.output</c> and <c>PredictedLabel.output</c> for binary;
    /// <c>PredictedLabel.output</c>, the key's raw value as UInt32, for multiclass). The batch dimension is dynamic.
    /// Score it with ONNX Runtime or <c>mlContext.Transforms.ApplyOnnxModel</c>.
    /// </summary>
    /// <param name="mlContext">The context (its converter handles the transforms in front of the trainer).</param>
    /// <param name="model">
    /// A fitted model ending with a <see cref="CdatTransformer"/>, or the transformer itself. A loaded model holds ML.NET's
    /// built-in transformers instead: export <see cref="TransformerFromLoaded"/>'s transformer (the trainer's part).
    /// </param>
    /// <param name="inputData">Data with the model's input schema.</param>
    /// <param name="stream">Where the ONNX protobuf is written.</param>
    public static void ConvertToOnnx(MLContext mlContext, ITransformer model, IDataView inputData, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputData);
        ArgumentNullException.ThrowIfNull(stream);
        var stages = new List<ITransformer>();
        Flatten(model, stages);
        int at = stages.FindLastIndex(t => t is CdatTransformer);
        if (at < 0)
            throw new ArgumentException(stages.Count > 0 && FromLoaded(model).Count > 0
                ? "The model is a loaded one: its Cdat part is held by ML.NET's built-in transformers. Export CdatModel.TransformerFromLoaded(model, data) instead (the trainer's part, from its feature column)."
                : "The model holds no fitted CdatTransformer.", nameof(model));
        if (at < stages.Count - 1)
            throw new ArgumentException($"The model has {stages[at + 1].GetType().Name} after the Cdat trainer; ONNX export covers the transforms in front of the trainer and the trainer. Export the model up to the trainer and apply the rest to the ONNX outputs.", nameof(model));
        var cdat = (CdatTransformer)stages[at];
        var prefix = stages.Take(at).ToArray();

        ModelProto onnx;
        string features;
        TensorShapeProto.Types.Dimension batch;
        if (prefix.Length == 0)
        {
            var column = inputData.Schema.GetColumnOrNull(cdat.FeatureColumnName)
                ?? throw new ArgumentException($"The input data has no feature column '{cdat.FeatureColumnName}'.", nameof(inputData));
            if (column.Type is not VectorDataViewType { ItemType: var item, Size: var size } || item != NumberDataViewType.Single || size != cdat.Model.FeatureCount)
                throw new ArgumentException($"Feature column '{cdat.FeatureColumnName}' is {column.Type}; the model expects a vector of {cdat.Model.FeatureCount} Single values.", nameof(inputData));
            onnx = OnnxGraph.NewModel(cdat.FeatureColumnName, cdat.Model.FeatureCount);
            features = cdat.FeatureColumnName;
            batch = OnnxGraph.Batch();
        }
        else
        {
            onnx = ConvertPrefix(mlContext, prefix, inputData);
            features = OutputName(cdat.FeatureColumnName);
            var value = onnx.Graph.Output.FirstOrDefault(o => o.Name == features)
                ?? throw new ArgumentException($"ML.NET's ONNX graph of the transforms in front of the trainer has no output for the feature column '{cdat.FeatureColumnName}'.", nameof(model));
            batch = value.Type.TensorType.Shape.Dim[0];
        }
        OnnxGraph.Append(onnx, features, batch, cdat.Model.Network, cdat.Model.Task, OutputName);
        onnx.WriteTo(stream);
    }

    /// <summary>ML.NET's name for a column's graph output.</summary>
    private static string OutputName(string column) => column + ".output";

    private static ModelProto ConvertPrefix(MLContext mlContext, ITransformer[] prefix, IDataView inputData)
    {
        using var buffer = new MemoryStream();
        try
        {
            mlContext.Model.ConvertToOnnx(new TransformerChain<ITransformer>(prefix), inputData, buffer);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or NotImplementedException)
        {
            throw new NotSupportedException($"ML.NET could not convert the transforms in front of the Cdat trainer to ONNX ({string.Join(", ", prefix.Select(t => t.GetType().Name))}): {e.Message}", e);
        }
        var onnx = ModelProto.Parser.ParseFrom(buffer.ToArray());
        var opset = onnx.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (opset is null) onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxGraph.Opset });
        else if (opset.Version < OnnxGraph.Opset) opset.Version = OnnxGraph.Opset;
        return onnx;
    }

    private static void Flatten(ITransformer transformer, List<ITransformer> stages)
    {
        if (transformer is IEnumerable<ITransformer> chain)
            foreach (var inner in chain) Flatten(inner, stages);
        else
            stages.Add(transformer);
    }
}
