using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Samples.Commands;

/// <summary>
/// A small convolutional network for 28×28 images given as rows of 784 features (the library's MLP builder makes only
/// fully connected networks; the training loop takes any module). ReLU and max pooling are piecewise linear, so the
/// Hessian-vector products CDAT needs go through them by double backward.
/// </summary>
internal static class FashionCnn
{
    /// <summary>The name of the default network (the <c>fashion</c> command's).</summary>
    public static readonly string Name = Describe();

    /// <summary>The network's name for a table: its channels and hidden width.</summary>
    public static string Describe(int channels1 = 16, int channels2 = 32, int hidden = 128) => $"CNN conv{channels1}-conv{channels2}-fc{hidden}";

    /// <summary>
    /// Two 3×3 convolutions (<paramref name="channels1"/> and <paramref name="channels2"/> channels, each with ReLU and
    /// 2×2 max pooling), a hidden layer of <paramref name="hidden"/>, 10 outputs.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Build(long seed, int channels1 = 16, int channels2 = 32, int hidden = 128)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels1, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels2, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        // The initialisers draw from the global generator: seeding it makes the weights reproducible.
        torch.random.manual_seed(seed);
        return nn.Sequential(
            ("image", nn.Unflatten(1, new long[] { 1, 28, 28 })),
            ("conv1", nn.Conv2d(1, channels1, 3, padding: 1)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(channels1, channels2, 3, padding: 1)),
            ("relu2", nn.ReLU()),
            ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(channels2 * 7 * 7, hidden)),
            ("relu3", nn.ReLU()),
            ("fc2", nn.Linear(hidden, 10)));
    }
}
