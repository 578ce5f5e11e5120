using System.Runtime.CompilerServices;
using Cdat.ML.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Objectives;

/// <summary>
/// The managed path of a <see cref="SupervisedObjective"/>: when its network is a <see cref="MultilayerPerceptron"/> on
/// the CPU in float32, its features dense and its loss a built-in one, the loss, the gradient and uᵀHu are computed by
/// <see cref="MlpDerivatives"/> on the tensors' own memory instead of by autograd, which on small networks spends most of
/// a step dispatching operations. Anything else (GPU, float64, sparse or chunked batches, other modules) keeps autograd.
/// </summary>
internal sealed partial class AnalyticMlp
{
    /// <summary>
    /// What a network's structure was recognised as (null: not the trainer's perceptron), and its derivatives per loss.
    /// Its parameters are read from the layers at every use, so a module moved to another device or type and back is seen
    /// as it is.
    /// </summary>
    private static readonly ConditionalWeakTable<nn.Module, Shape?> Shapes = new();

    private readonly Tensor[] _parameters;
    /// <summary>The derivatives of each part of the batch; the first one's lock guards them all.</summary>
    private readonly MlpDerivatives[] _parts;
    private readonly SupervisedObjective _objective;
    private readonly float[] _targets, _weights;
    private readonly int _rows, _targetWidth;

    private AnalyticMlp(Tensor[] parameters, MlpDerivatives[] parts, SupervisedObjective objective, float[] targets, float[] weights, int targetWidth)
    {
        _rows = checked((int)objective.Rows);
        _parameters = parameters;
        _parts = parts;
        _objective = objective;
        _targets = targets;
        _weights = weights;
        _targetWidth = targetWidth;
    }

    /// <summary>
    /// The managed path takes batches of up to <see cref="MaxRows"/> rows of a network of at most
    /// <see cref="MaxRowMultiplyAdds"/> multiply-adds a row in its forward pass (Σ inputs·outputs over the layers). Measured
    /// on two cores (`Cdat.ML.Benchmarks crossover 64` and `crossover 256`: loss, gradient and uᵀHu through autograd and
    /// through the managed path in two halves, at 256, 1,024 and 4,096 rows of 16-784 features, 64 and 256 tanh units): the
    /// managed step took 0.10-0.83× autograd's time in every cell, the largest 784-256-1 (200,960 multiply-adds a row).
    /// Larger batches of small networks keep the first rule's limit, <see cref="MaxMultiplyAdds"/> in all.
    /// </summary>
    internal const long MaxRows = 4096;

    /// <summary>Any batch of at most this many multiply-adds in a forward pass (rows × Σ inputs·outputs; the first rule, measured on one core).</summary>
    internal const long MaxMultiplyAdds = 4_000_000;

    /// <summary>The widest network measured (above), rounded up to a power of two.</summary>
    internal static long MaxRowMultiplyAdds { get; set; } = 1 << 18;

    /// <summary>Set to false to train every network through autograd (the reference path, for comparisons).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>The managed path for <paramref name="objective"/> trained on <paramref name="parameters"/>, or null.</summary>
    public static AnalyticMlp? For(SupervisedObjective objective, IReadOnlyList<Tensor> parameters)
    {
        if (!Enabled || objective.ChunkCount != 1) return null;
        var x = objective.Features;
        if (x.is_sparse || x.device_type != DeviceType.CPU || x.dtype != ScalarType.Float32 || x.dim() != 2 || !x.is_contiguous()) return null;
        var kind = objective.Loss switch
        {
            SquaredErrorLoss => ExampleLossKind.Squared,
            BinaryLogisticLoss => ExampleLossKind.Logistic,
            SoftmaxCrossEntropyLoss => ExampleLossKind.Softmax,
            WeightedLoss { Inner: SquaredErrorLoss } => ExampleLossKind.Squared,
            WeightedLoss { Inner: BinaryLogisticLoss } => ExampleLossKind.Logistic,
            WeightedLoss { Inner: SoftmaxCrossEntropyLoss } => ExampleLossKind.Softmax,
            _ => (ExampleLossKind?)null,
        };
        if (kind is not { } loss || Shapes.GetValue(objective.Network, Recognise) is not { } shape) return null;
        if (x.shape[1] != shape.Widths[0] || !Pays(shape, objective.Rows)) return null;
        // The optimizer's parameters must be the network's own, float32 and contiguous on the CPU, in its order.
        var own = shape.Parameters();
        if (parameters.Count != own.Length) return null;
        for (int i = 0; i < own.Length; i++)
            if (parameters[i].Handle != own[i].Handle || own[i].dtype != ScalarType.Float32 || own[i].device_type != DeviceType.CPU || !own[i].is_contiguous())
                return null;
        if (loss == ExampleLossKind.Logistic && shape.Widths[^1] != 1) return null;
        if (ReadTargets(objective, loss, shape.Widths[^1]) is not var (targets, weights)) return null;
        var parts = Enumerable.Range(0, PartsFor(objective.Rows)).Select(p => shape.Derivatives(loss, p)).ToArray();
        return new AnalyticMlp(own, parts, objective, targets, weights, loss == ExampleLossKind.Squared ? shape.Widths[^1] : 1);
    }

    /// <summary>Whether the managed path beats libtorch on <paramref name="rows"/> rows of this shape (the rule above).</summary>
    private static bool Pays(Shape shape, long rows)
    {
        long multiplyAdds = 0;
        for (int l = 0; l + 1 < shape.Widths.Length; l++) multiplyAdds += (long)shape.Widths[l] * shape.Widths[l + 1];
        return (rows <= MaxRows && multiplyAdds <= MaxRowMultiplyAdds) || multiplyAdds * rows <= MaxMultiplyAdds;
    }

    /// <summary>The most rows one managed forward pass of <see cref="Outputs"/> takes (its buffers grow to this, no further).</summary>
    private const int OutputChunkRows = 256;

    /// <summary>
    /// <paramref name="network"/>'s outputs on <paramref name="features"/> by the managed forward pass, as a new CPU tensor,
    /// or null where the module must compute them (not the trainer's perceptron, or not float32, dense and on the CPU).
    /// </summary>
    public static Tensor? Outputs(nn.Module network, Tensor features)
    {
        if (!Enabled || features.is_sparse || features.device_type != DeviceType.CPU || features.dtype != ScalarType.Float32
            || features.dim() != 2 || !features.is_contiguous() || Shapes.GetValue(network, Recognise) is not { } shape) return null;
        long rows = features.size(0);
        if (features.size(1) != shape.Widths[0] || rows > int.MaxValue / shape.Widths.Max()) return null;
        // The training step's rule, per chunk: wide layers keep libtorch's multithreaded products.
        if (!Pays(shape, Math.Min(rows, OutputChunkRows))) return null;
        var own = shape.Parameters();
        foreach (var p in own)
            if (!HostMemory.IsHostFloat(p)) return null;
        int inputs = shape.Widths[0], width = shape.Widths[^1];
        var result = torch.empty(new[] { rows, width }, ScalarType.Float32, torch.CPU);
        var first = shape.Derivatives(ExampleLossKind.Squared);
        lock (first)
        {
            var theta = Flatten(own, first.Buffers.Theta);
            // Chunks are independent: the first half of them on one core, the rest on the other.
            int chunks = (int)((rows + OutputChunkRows - 1) / OutputChunkRows), half = PartsFor(rows) == 2 ? chunks / 2 : chunks;
            void Run(MlpDerivatives derivatives, int from, int to)
            {
                var x = HostMemory.Floats(features);
                var y = HostMemory.Floats(result);
                for (int c = from; c < to; c++)
                {
                    int start = c * OutputChunkRows, n = (int)Math.Min(OutputChunkRows, rows - start);
                    derivatives.Outputs(theta, x.Slice(start * inputs, n * inputs), n, y.Slice(start * width, n * width));
                }
            }
            if (half == chunks || half == 0) Run(first, 0, chunks);
            else Both(() => Run(first, 0, half), () => Run(shape.Derivatives(ExampleLossKind.Squared, 1), half, chunks));
        }
        return result;
    }

    /// <summary>The loss, and the gradient as new tensors shaped like the parameters (in the caller's dispose scope).</summary>
    public (double Loss, Tensor[] Gradient) LossAndGradient()
    {
        var result = new Tensor[_parameters.Length];
        for (int i = 0; i < result.Length; i++) result[i] = torch.empty_like(_parameters[i], requires_grad: false);
        double loss;
        lock (_parts[0])
        {
            var buffers = _parts[0].Buffers;
            var theta = Flatten(_parameters, buffers.Theta);
            double[] losses = new double[_parts.Length];
            OnEachPart((part, start, rows) => losses[part] = _parts[part].LossAndGradient(theta, Features(start, rows), Targets(start, rows), Weights(start, rows), rows,
                part == 0 ? _objective.WeightDecay : 0, _parts[part].Buffers.Gradient, owner: this, meanOver: _rows));
            loss = losses.Sum();
            int at = 0;
            foreach (var g in result)
            {
                var span = HostMemory.Floats(g);
                if (_parts.Length == 1) buffers.Gradient.AsSpan(at, span.Length).CopyTo(span);
                else System.Numerics.Tensors.TensorPrimitives.Add(buffers.Gradient.AsSpan(at, span.Length), _parts[1].Buffers.Gradient.AsSpan(at, span.Length), span);
                at += span.Length;
            }
        }
        return (loss, result);
    }

    /// <summary>uᵀHu at the current parameters along <paramref name="direction"/> (one tensor per parameter).</summary>
    public double Quadratic(IReadOnlyList<Tensor> direction)
    {
        lock (_parts[0])
        {
            var buffers = _parts[0].Buffers;
            var theta = Flatten(_parameters, buffers.Theta);
            var u = Flatten(direction, buffers.Direction);
            double[] sums = new double[_parts.Length];
            OnEachPart((part, start, rows) => sums[part] = _parts[part].Quadratic(theta, u, Features(start, rows), Targets(start, rows), Weights(start, rows), rows,
                part == 0 ? _objective.WeightDecay : 0, owner: this, meanOver: _rows));
            return sums.Sum();
        }
    }

    /// <summary>The tensors' elements, one after another, in <paramref name="flat"/> (read in place where they are host floats).</summary>
    private static float[] Flatten(IReadOnlyList<Tensor> parts, float[] flat)
    {
        int at = 0;
        foreach (var p in parts)
        {
            if (HostMemory.IsHostFloat(p))
            {
                var span = HostMemory.Floats(p);
                span.CopyTo(flat.AsSpan(at));
                at += span.Length;
                continue;
            }
            using var scope = torch.NewDisposeScope();
            var values = p.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            values.CopyTo(flat.AsSpan(at));
            at += values.Length;
        }
        if (at != flat.Length) throw new ArgumentException($"The tensors hold {at} values; the network has {flat.Length} parameters.", nameof(parts));
        return flat;
    }

    /// <summary>The targets as floats (class indices, 0/1 or values) and the weights (empty: none), or null when unreadable.</summary>
    private static unsafe (float[] Targets, float[] Weights)? ReadTargets(SupervisedObjective objective, ExampleLossKind loss, int outputs)
    {
        var y = objective.Targets;
        if (y.device_type != DeviceType.CPU || !y.is_contiguous()) return null;
        int rows = (int)objective.Rows, width = loss == ExampleLossKind.Squared ? outputs : 1;
        bool packed = objective.Loss is WeightedLoss && WeightedLoss.IsPacked(y);
        if (packed)
        {
            if (width != 1 || y.dtype != ScalarType.Float32) return null;
            var rowsAndWeights = HostMemory.Floats(y);
            var targets = new float[rows];
            var weights = new float[rows];
            for (int n = 0; n < rows; n++) (targets[n], weights[n]) = (rowsAndWeights[2 * n], rowsAndWeights[2 * n + 1]);
            return (targets, weights);
        }
        if (y.numel() != (long)rows * width) return null;
        switch (y.dtype)
        {
            case ScalarType.Float32 when loss != ExampleLossKind.Softmax:
                return (HostMemory.Floats(y).ToArray(), []);
            case ScalarType.Int64:
                var classes = new ReadOnlySpan<long>((void*)HostMemory.Pointer(y), rows);
                var asFloats = new float[rows];
                for (int n = 0; n < rows; n++) asFloats[n] = classes[n];
                return (asFloats, []);
            default:
                return null;
        }
    }
}
