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
    public const string Name = "CNN conv16-conv32-fc128";

    /// <summary>Two 3×3 convolutions (16 and 32 channels, each with ReLU and 2×2 max pooling), a hidden layer of 128, 10 outputs.</summary>
    public static nn.Module<Tensor, Tensor> Build(long seed)
    {
        // The initialisers draw from the global generator: seeding it makes the weights reproducible.
        torch.random.manual_seed(seed);
        return nn.Sequential(
            ("image", nn.Unflatten(1, new long[] { 1, 28, 28 })),
            ("conv1", nn.Conv2d(1, 16, 3, padding: 1)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(16, 32, 3, padding: 1)),
            ("relu2", nn.ReLU()),
            ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(32 * 7 * 7, 128)),
            ("relu3", nn.ReLU()),
            ("fc2", nn.Linear(128, 10)));
    }
}
