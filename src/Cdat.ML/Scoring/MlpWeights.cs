using System.Numerics.Tensors;
using Cdat.ML.Networks;

namespace Cdat.ML.Scoring;

/// <summary>One dense layer: <c>y = W·x + b</c> with W stored row-major [outputs, inputs]. Immutable.</summary>
public sealed class DenseLayer
{
    private readonly float[] _weight, _bias;

    /// <summary>Creates a layer from copies of <paramref name="weight"/> and <paramref name="bias"/>, checking the shapes.</summary>
    public DenseLayer(int inputs, int outputs, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
        : this(inputs, outputs, weight.ToArray(), bias.ToArray())
    {
    }

    private DenseLayer(int inputs, int outputs, float[] weight, float[] bias)
    {
        if (inputs <= 0 || outputs <= 0) throw new ArgumentException($"A layer needs positive sizes, not {inputs}→{outputs}.");
        if (weight.Length != (long)inputs * outputs) throw new ArgumentException($"Weight has {weight.Length} values; {inputs}×{outputs} expected.", nameof(weight));
        if (bias.Length != outputs) throw new ArgumentException($"Bias has {bias.Length} values; {outputs} expected.", nameof(bias));
        Inputs = inputs;
        Outputs = outputs;
        _weight = weight;
        _bias = bias;
        Weight = Array.AsReadOnly(weight);
        Bias = Array.AsReadOnly(bias);
    }

    /// <summary>A layer over arrays nobody else holds (no copy).</summary>
    internal static DenseLayer Own(int inputs, int outputs, float[] weight, float[] bias) => new(inputs, outputs, weight, bias);

    /// <summary>Input width.</summary>
    public int Inputs { get; }
    /// <summary>Output width.</summary>
    public int Outputs { get; }
    /// <summary>Weights, row-major [outputs, inputs] (read-only, as ML.NET's linear models expose theirs).</summary>
    public IReadOnlyList<float> Weight { get; }
    /// <summary>Biases (read-only).</summary>
    public IReadOnlyList<float> Bias { get; }

    internal ReadOnlySpan<float> WeightSpan => _weight;
    internal ReadOnlySpan<float> BiasSpan => _bias;
}

/// <summary>
/// A trained multilayer perceptron as plain arrays, with a managed forward pass (System.Numerics.Tensors): scoring
/// needs no native libtorch. Immutable and thread-safe.
/// </summary>
public sealed class MlpWeights
{
    /// <summary>Creates the network from its layers (input to output).</summary>
    /// <param name="layers">The dense layers, input to output.</param>
    /// <param name="activation">The hidden activation.</param>
    /// <param name="inputScaler">The transform the first layer's inputs go through (null: the features as given).</param>
    public MlpWeights(IReadOnlyList<DenseLayer> layers, Activation activation, FeatureScaler? inputScaler = null)
    {
        if (layers is null || layers.Count == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        for (int i = 1; i < layers.Count; i++)
            if (layers[i].Inputs != layers[i - 1].Outputs)
                throw new ArgumentException($"Layer {i} takes {layers[i].Inputs} inputs but layer {i - 1} gives {layers[i - 1].Outputs}.", nameof(layers));
        if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        if (inputScaler is not null && inputScaler.OutputCount != layers[0].Inputs)
            throw new ArgumentException($"The input scaler gives {inputScaler.OutputCount} values but the first layer takes {layers[0].Inputs}.", nameof(inputScaler));
        Layers = layers.ToArray();
        InputScaler = inputScaler;
        Activation = activation;
        MaxWidth = Layers.Max(l => l.Outputs);
    }

    /// <summary>The layers, input to output.</summary>
    public IReadOnlyList<DenseLayer> Layers { get; }
    /// <summary>Hidden activation.</summary>
    public Activation Activation { get; }
    /// <summary>The transform the features go through before the first layer; null when they are used as given.</summary>
    public FeatureScaler? InputScaler { get; }
    /// <summary>Number of features it reads (the first layer takes more where the scaler encodes them).</summary>
    public int InputSize => InputScaler?.Count ?? Layers[0].Inputs;
    /// <summary>Number of outputs.</summary>
    public int OutputSize => Layers[^1].Outputs;
    /// <summary>Widest layer output.</summary>
    public int MaxWidth { get; }
    /// <summary>Number of weights and biases.</summary>
    public long ParameterCount => Layers.Sum(l => (long)l.Weight.Count + l.Bias.Count);

    /// <summary>Whether every weight and bias is finite.</summary>
    public bool IsFinite() => Layers.All(l => AllFinite(l.WeightSpan) && AllFinite(l.BiasSpan));

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values) if (!float.IsFinite(v)) return false;
        return true;
    }

    /// <summary>Network outputs (raw scores / logits) for one example.</summary>
    /// <param name="input">The features, <see cref="InputSize"/> values.</param>
    /// <param name="output">Receives <see cref="OutputSize"/> values.</param>
    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != InputSize) throw new ArgumentException($"Expected {InputSize} features, got {input.Length}.", nameof(input));
        if (output.Length < OutputSize) throw new ArgumentException($"The output needs room for {OutputSize} values.", nameof(output));
        float[]? rented = null, scaled = null;
        Span<float> buffers = MaxWidth <= 512
            ? stackalloc float[2 * MaxWidth]
            : (rented = System.Buffers.ArrayPool<float>.Shared.Rent(2 * MaxWidth)).AsSpan(0, 2 * MaxWidth);
        try
        {
            Span<float> a = buffers[..MaxWidth], b = buffers[MaxWidth..];
            scoped ReadOnlySpan<float> x = input;
            if (InputScaler is not null)
            {
                int width = InputScaler.OutputCount;
                var z = (scaled = System.Buffers.ArrayPool<float>.Shared.Rent(width)).AsSpan(0, width);
                InputScaler.Apply(input, z);
                x = z;
            }
            for (int l = 0; l < Layers.Count; l++)
            {
                var layer = Layers[l];
                var y = l == Layers.Count - 1 ? output[..layer.Outputs] : (l % 2 == 0 ? a : b)[..layer.Outputs];
                MatrixVector.Multiply(layer.WeightSpan, layer.BiasSpan, x, y, layer.Inputs, layer.Outputs);
                if (l < Layers.Count - 1) Activate(y);
                x = y;
            }
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<float>.Shared.Return(rented);
            if (scaled is not null) System.Buffers.ArrayPool<float>.Shared.Return(scaled);
        }
    }

    private void Activate(Span<float> values)
    {
        switch (Activation)
        {
            case Activation.Tanh:
                SpecialFunctions.Tanh(values, values);
                break;
            case Activation.Relu:
                TensorPrimitives.Max(values, 0f, values);
                break;
            case Activation.Gelu:
                // Exact GELU, as torch.nn.GELU(): x·Φ(x) = ½x(1 + erf(x/√2)).
                for (int i = 0; i < values.Length; i++)
                    values[i] = (float)(0.5 * values[i] * (1.0 + SpecialFunctions.Erf(values[i] / Math.Sqrt(2.0))));
                break;
        }
    }
}
