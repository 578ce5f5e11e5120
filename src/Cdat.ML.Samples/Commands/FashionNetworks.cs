using Cdat.ML.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Samples.Commands;

/// <summary>
/// The networks of the fashion command, for 28×28 images given as rows of 784 features. Built here rather than with
/// the library's <see cref="MultilayerPerceptron"/> for dropout and convolutions; the training loop takes any module.
/// </summary>
internal static class FashionNetworks
{
    public const string CnnName = "CNN conv16-conv32-fc128";

    /// <summary>Linear, activation and (when <paramref name="dropout"/> &gt; 0) dropout per hidden layer, then a linear output.</summary>
    public static nn.Module<Tensor, Tensor> Mlp(int[] hidden, Activation activation, double dropout, long seed)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        // The initialisers draw from the global generator: seeding it makes the weights reproducible.
        torch.random.manual_seed(seed);
        int width = 784;
        for (int i = 0; i < hidden.Length; i++)
        {
            layers.Add(($"fc{i}", nn.Linear(width, hidden[i])));
            layers.Add(($"act{i}", activation switch
            {
                Activation.Tanh => nn.Tanh(),
                Activation.Gelu => nn.GELU(),
                _ => nn.ReLU(),
            }));
            if (dropout > 0) layers.Add(($"dropout{i}", nn.Dropout(dropout)));
            width = hidden[i];
        }
        layers.Add(($"fc{hidden.Length}", nn.Linear(width, 10)));
        return nn.Sequential(layers);
    }

    /// <summary>
    /// Two 5×5 convolutions (16 and 32 channels, ReLU, 2×2 max pooling), a hidden layer of 128 and the output. ReLU and
    /// max pooling are piecewise linear, so the Hessian-vector products CDAT needs go through them by double backward.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Cnn(double dropout, long seed)
    {
        torch.random.manual_seed(seed);
        return nn.Sequential(
            ("image", nn.Unflatten(1, new long[] { 1, 28, 28 })),
            ("conv1", nn.Conv2d(1, 16, 5, padding: 2)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(16, 32, 5, padding: 2)),
            ("relu2", nn.ReLU()),
            ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(32 * 7 * 7, 128)),
            ("relu3", nn.ReLU()),
            ("dropout", nn.Dropout(dropout)),
            ("fc2", nn.Linear(128, 10)));
    }
}
