using System.Runtime.InteropServices;
using Cdat.ML.Networks;
using Cdat.ML.Scoring;
using Google.Protobuf;
using Onnx;

namespace Cdat.ML.Persistence;

/// <summary>
/// Writes a trained network into an ONNX graph as the managed scorer computes it: the input scaling, one Gemm per layer
/// with the activation between them, and the task's output columns (Score; Probability and PredictedLabel for binary;
/// class probabilities and PredictedLabel for multiclass). Only operators of opset 12 are used, the opset ML.NET's own
/// ONNX converter writes, so the nodes can follow a graph it made.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>The ai.onnx opset written (and expected of a graph the nodes are appended to).</summary>
    public const long Opset = 12;
    /// <summary>The IR version of a graph made from scratch (ML.NET's converter writes the same).</summary>
    public const long IrVersion = 6;

    private readonly GraphProto _graph;
    private readonly string _prefix;
    private int _next;

    private OnnxGraph(GraphProto graph, string prefix)
    {
        _graph = graph;
        _prefix = prefix;
    }

    /// <summary>A model whose one input is the feature column [N, features] (N dynamic).</summary>
    public static ModelProto NewModel(string featureColumnName, int features)
    {
        var model = new ModelProto { IrVersion = IrVersion, ProducerName = "Cdat.ML", ProducerVersion = typeof(OnnxGraph).Assembly.GetName().Version?.ToString() ?? "" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.Graph = new GraphProto { Name = "Cdat" };
        model.Graph.Input.Add(Value(featureColumnName, TensorProto.Types.DataType.Float, Batch(), features));
        return model;
    }

    /// <summary>
    /// Appends the network's nodes to <paramref name="model"/>'s graph, reading the features from the value
    /// <paramref name="features"/> (of batch dimension <paramref name="batch"/>), and adds the task's outputs under
    /// <paramref name="outputName"/>(column), replacing outputs of the same names.
    /// </summary>
    public static void Append(ModelProto model, string features, TensorShapeProto.Types.Dimension batch, MlpWeights weights, CdatTask task,
                              Func<string, string> outputName)
    {
        var graph = new OnnxGraph(model.Graph, UniquePrefix(model.Graph));
        string x = graph.Scale(features, weights.InputScaler);
        for (int l = 0; l < weights.Layers.Count; l++)
        {
            x = graph.Dense(x, weights.Layers[l], l);
            if (l < weights.Layers.Count - 1) x = graph.Activate(x, weights.Activation);
        }
        switch (task)
        {
            case CdatTask.Regression:
                graph.Output(x, outputName("Score"), TensorProto.Types.DataType.Float, batch, 1);
                break;
            case CdatTask.BinaryClassification:
                graph.Output(x, outputName("Score"), TensorProto.Types.DataType.Float, batch, 1);
                // As OutputFunctions.Probability: the sigmoid kept inside [2^-24, 1 − 2^-24].
                string p = graph.Node("Clip", new[] { graph.Node("Sigmoid", x), graph.Constant(OutputFunctions.ProbabilityFloor), graph.Constant(1f - OutputFunctions.ProbabilityFloor) });
                graph.Output(p, outputName("Probability"), TensorProto.Types.DataType.Float, batch, 1);
                graph.Output(graph.Node("Greater", new[] { x, graph.Constant(0f) }), outputName("PredictedLabel"), TensorProto.Types.DataType.Bool, batch, 1);
                break;
            default:
                graph.Output(graph.Node("Softmax", new[] { x }, axis: 1), outputName("Score"), TensorProto.Types.DataType.Float, batch, weights.OutputSize);
                // A key's raw value: the class index + 1 (0 is ML.NET's missing key).
                string best = graph.Node("ArgMax", new[] { x }, axis: 1, keepDims: true);
                string key = graph.Node("Cast", new[] { graph.Node("Add", new[] { best, graph.Constant(1L) }) }, to: TensorProto.Types.DataType.Uint32);
                graph.Output(key, outputName("PredictedLabel"), TensorProto.Types.DataType.Uint32, batch, 1);
                break;
        }
    }

    /// <summary>A batch dimension any number of rows fits.</summary>
    public static TensorShapeProto.Types.Dimension Batch() => new() { DimParam = "N" };

    private string Scale(string x, FeatureScaler? scaler)
    {
        if (scaler is null) return x;
        // z = (x − center)·factor, 0 for a dropped feature (factor 0) whatever it holds, as FeatureScaler.Apply.
        string z = Node("Mul", new[] { Node("Sub", new[] { x, Initializer(scaler.Center.ToArray(), 1, scaler.Count) }), Initializer(scaler.Factor.ToArray(), 1, scaler.Count) });
        if (scaler.Factor.Any(f => f == 0))
        {
            var kept = new TensorProto { Name = $"{_prefix}kept{_next++}", DataType = (int)TensorProto.Types.DataType.Bool };
            kept.Dims.AddRange(new long[] { 1, scaler.Count });
            kept.Int32Data.AddRange(scaler.Factor.Select(f => f == 0 ? 0 : 1));
            _graph.Initializer.Add(kept);
            z = Node("Where", new[] { kept.Name, z, Constant(0f) });
        }
        if (scaler.ClipBound != 0) z = Clip(z, scaler.ClipBound);
        return scaler.Encoding is { } encoding ? Encode(z, encoding) : z;
    }

    private string Clip(string z, float bound)
    {
        // The smooth clip z / √(1 + (z/B)²), written B·r / √(1 + r²) with r = z/B kept within ±1e18 so that r² stays finite
        // in float32 (the managed scaler, in double, gives ±B out there too).
        string r = Node("Clip", new[] { Node("Div", new[] { z, Constant(bound) }), Constant(-1e18f), Constant(1e18f) });
        string root = Node("Sqrt", Node("Add", new[] { Node("Mul", new[] { r, r }), Constant(1f) }));
        return Node("Div", new[] { Node("Mul", new[] { r, Constant(bound) }), root });
    }

    /// <summary>
    /// As <see cref="PiecewiseLinearEncoding.Apply"/>: each output reads its feature (Gather), subtracts its bin's left
    /// edge, divides by the bin's width, and is bounded by [0, 1]; a feature's own value is an output with edge 0, width 1
    /// and no bounds.
    /// </summary>
    private string Encode(string z, PiecewiseLinearEncoding encoding)
    {
        int n = encoding.OutputCount;
        var source = new long[n];
        float[] left = new float[n], width = new float[n], lower = new float[n], upper = new float[n];
        for (int j = 0; j < encoding.InputCount; j++)
        {
            int k = encoding.OutputStart(j);
            if (encoding.EdgesOf(j) is not { } e)
            {
                (source[k], left[k], width[k], lower[k], upper[k]) = (j, 0f, 1f, float.MinValue, float.MaxValue);
                continue;
            }
            (source[k], left[k], width[k], lower[k], upper[k]) = (j, 0f, 1f, float.MinValue, float.MaxValue);
            k++;
            int bins = e.Count - 1;
            for (int t = 0; t < bins; t++)
                (source[k + t], left[k + t], width[k + t], lower[k + t], upper[k + t]) =
                    (j, e[t], e[t + 1] - e[t], 0f, 1f);
        }
        var indices = new TensorProto { Name = $"{_prefix}bins{_next++}", DataType = (int)TensorProto.Types.DataType.Int64 };
        indices.Dims.Add(n);
        indices.Int64Data.AddRange(source);
        _graph.Initializer.Add(indices);
        string gathered = Node("Gather", new[] { z, indices.Name }, axis: 1);
        string v = Node("Div", new[] { Node("Sub", new[] { gathered, Initializer(left, 1, n) }), Initializer(width, 1, n) });
        return Node("Min", new[] { Node("Max", new[] { v, Initializer(lower, 1, n) }), Initializer(upper, 1, n) });
    }

    private string Dense(string x, DenseLayer layer, int index)
    {
        // Gemm with transB: the weight is stored [outputs, inputs], as the layer keeps it.
        var node = NewNode("Gemm", new[] { x, Initializer(layer.WeightSpan, layer.Outputs, layer.Inputs), Initializer(layer.BiasSpan, layer.Outputs) });
        node.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        node.Name = $"{_prefix}layer{index}";
        return node.Output[0];
    }

    private string Activate(string x, Activation activation) => activation switch
    {
        Activation.Tanh => Node("Tanh", x),
        Activation.Relu => Node("Relu", x),
        // Exact GELU, ½x(1 + erf(x/√2)), as the managed scorer and torch.nn.GELU(): opset 12 has Erf, not Gelu.
        Activation.Gelu => Node("Mul", new[] { Node("Mul", new[] { x, Node("Add", new[] { Node("Erf", Node("Mul", new[] { x, Constant((float)(1 / Math.Sqrt(2)) ) })), Constant(1f) }) }), Constant(0.5f) }),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    private void Output(string value, string name, TensorProto.Types.DataType type, TensorShapeProto.Types.Dimension batch, int width)
    {
        // A column the graph already outputs is replaced, as the trainer's column replaces it in ML.NET's schema.
        for (int i = _graph.Output.Count - 1; i >= 0; i--)
            if (_graph.Output[i].Name == name) _graph.Output.RemoveAt(i);
        for (int i = _graph.Node.Count - 1; i >= 0; i--)
            if (_graph.Node[i].Output.Contains(name)) _graph.Node.RemoveAt(i);
        var identity = NewNode("Identity", new[] { value });
        identity.Output[0] = name;
        _graph.Output.Add(Value(name, type, batch.Clone(), width));
    }

    private string Node(string op, string input) => Node(op, new[] { input });

    private string Node(string op, string[] inputs, long? axis = null, bool? keepDims = null, TensorProto.Types.DataType? to = null)
    {
        var node = NewNode(op, inputs);
        if (axis is long a) node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = a });
        if (keepDims is bool k) node.Attribute.Add(new AttributeProto { Name = "keepdims", Type = AttributeProto.Types.AttributeType.Int, I = k ? 1 : 0 });
        if (to is { } t) node.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)t });
        return node.Output[0];
    }

    private NodeProto NewNode(string op, string[] inputs)
    {
        var node = new NodeProto { OpType = op, Name = $"{_prefix}{op}{_next}" };
        node.Input.AddRange(inputs);
        node.Output.Add($"{_prefix}{op}{_next++}_out");
        _graph.Node.Add(node);
        return node;
    }

    private string Constant(float value) => Initializer(new[] { value });

    private string Constant(long value)
    {
        var tensor = new TensorProto { Name = $"{_prefix}c{_next++}", DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Int64Data.Add(value);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    private string Initializer(ReadOnlySpan<float> values, params long[] dims)
    {
        var tensor = new TensorProto { Name = $"{_prefix}w{_next++}", DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        // raw_data is little-endian.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX export needs a little-endian machine.");
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, TensorShapeProto.Types.Dimension batch, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(batch);
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    /// <summary>A name prefix no value of the graph starts with, so that appended names never collide.</summary>
    private static string UniquePrefix(GraphProto graph)
    {
        var names = graph.Node.SelectMany(n => n.Output.Append(n.Name)).Concat(graph.Input.Select(i => i.Name)).Concat(graph.Initializer.Select(i => i.Name)).ToArray();
        for (int k = 0; ; k++)
        {
            string prefix = k == 0 ? "cdat_" : $"cdat{k}_";
            if (!names.Any(n => n.StartsWith(prefix, StringComparison.Ordinal))) return prefix;
        }
    }
}
