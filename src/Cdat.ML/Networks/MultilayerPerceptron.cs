using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Networks;

/// <summary>
/// Shape of a fully connected network: input → hidden layers (each Linear then activation) → output.
/// No hidden layers gives a linear model.
/// </summary>
/// <param name="InputSize">Number of input features.</param>
/// <param name="HiddenSizes">Widths of the hidden layers (may be empty).</param>
/// <param name="OutputSize">Number of outputs.</param>
/// <param name="Activation">Hidden activation.</param>
public sealed record MultilayerPerceptron(int InputSize, IReadOnlyList<int> HiddenSizes, int OutputSize, Activation Activation = Activation.Tanh)
{
    private static readonly object SeedLock = new();

    /// <summary>Builds the module with TorchSharp's default initialisation drawn after seeding with <paramref name="seed"/>.</summary>
    /// <param name="seed">Seed of the initial weights: the same seed gives bitwise identical weights.</param>
    /// <param name="dtype">Float32 (default) or Float64.</param>
    /// <param name="device">Device of the parameters (CPU by default).</param>
    public nn.Module<Tensor, Tensor> Build(long seed, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        Validate();
        if (dtype != ScalarType.Float32 && dtype != ScalarType.Float64)
            throw new ArgumentException($"dtype must be Float32 or Float64, not {dtype}.", nameof(dtype));

        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        nn.Module<Tensor, Tensor> module;
        // The default initialisers draw from the global generator: seed it and build under one lock.
        lock (SeedLock)
        {
            torch.random.manual_seed(seed);
            int width = InputSize;
            for (int i = 0; i < HiddenSizes.Count; i++)
            {
                layers.Add(($"fc{i}", nn.Linear(width, HiddenSizes[i])));
                layers.Add(($"act{i}", Activation switch
                {
                    Activation.Tanh => nn.Tanh(),
                    Activation.Relu => nn.ReLU(),
                    Activation.Gelu => nn.GELU(),
                    _ => throw new ArgumentOutOfRangeException(nameof(Activation), Activation, "Unknown activation."),
                }));
                width = HiddenSizes[i];
            }
            layers.Add(($"fc{HiddenSizes.Count}", nn.Linear(width, OutputSize)));
            module = nn.Sequential(layers);
        }
        if (dtype != ScalarType.Float32) module = module.to(dtype);
        if (device is not null && device.type != DeviceType.CPU) module = module.to(device);
        return module;
    }

    /// <summary>
    /// The weights of a module built by <see cref="Build"/> (layers fc0, fc1, …), input to output, as float32 arrays with
    /// the weight row-major [outputs, inputs]: what scoring and persistence need, without TorchSharp.
    /// </summary>
    internal static IReadOnlyList<LayerArrays> ReadLayers(nn.Module<Tensor, Tensor> network)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var scope = torch.NewDisposeScope();
        var named = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var layers = new List<LayerArrays>();
        for (int i = 0; named.ContainsKey($"fc{i}.weight"); i++)
        {
            if (!named.TryGetValue($"fc{i}.bias", out var bias)) throw new ArgumentException($"Layer fc{i} has no bias.", nameof(network));
            var w = named[$"fc{i}.weight"].detach().cpu().to(ScalarType.Float32).contiguous();
            var b = bias.detach().cpu().to(ScalarType.Float32).contiguous();
            layers.Add(new LayerArrays((int)w.shape[1], (int)w.shape[0], w.data<float>().ToArray(), b.data<float>().ToArray()));
        }
        if (layers.Count == 0) throw new ArgumentException("The network has no layers named fc0, fc1, … (build it with MultilayerPerceptron).", nameof(network));
        return layers;
    }

    /// <summary>Number of trainable scalars.</summary>
    public long ParameterCount
    {
        get
        {
            long count = 0, width = InputSize;
            foreach (var h in HiddenSizes) { count += (width + 1) * h; width = h; }
            return count + (width + 1) * OutputSize;
        }
    }

    private void Validate()
    {
        if (InputSize <= 0) throw new ArgumentOutOfRangeException(nameof(InputSize), InputSize, "InputSize must be greater than 0.");
        if (OutputSize <= 0) throw new ArgumentOutOfRangeException(nameof(OutputSize), OutputSize, "OutputSize must be greater than 0.");
        if (HiddenSizes is null) throw new ArgumentNullException(nameof(HiddenSizes));
        for (int i = 0; i < HiddenSizes.Count; i++)
            if (HiddenSizes[i] <= 0)
                throw new ArgumentOutOfRangeException(nameof(HiddenSizes), HiddenSizes[i], $"HiddenSizes[{i}] must be greater than 0.");
    }
}

/// <summary>One dense layer's weights as arrays: weight row-major [outputs, inputs], then bias.</summary>
internal sealed record LayerArrays(int Inputs, int Outputs, float[] Weight, float[] Bias);
