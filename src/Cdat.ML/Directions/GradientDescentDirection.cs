using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Directions;

/// <summary>Gradient descent: <c>u = −g</c>.</summary>
public sealed class GradientDescentDirection : IDirection
{
    /// <inheritdoc/>
    public string Name => "gd";
    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Compute(IReadOnlyList<Tensor> gradient)
    {
        StepCount++;
        using var _ = torch.no_grad();
        return gradient.Select(g => g.neg()).ToArray();
    }

    /// <inheritdoc/>
    public IReadOnlyList<Tensor>? Preconditioner() => null;
    /// <inheritdoc/>
    public IReadOnlyList<Tensor>? CurrentGradientShare(IReadOnlyList<Tensor> vector) => StepCount == 0 ? null : vector.Select(v => v.clone()).ToArray();
    /// <inheritdoc/>
    public double StabilityThreshold(double learningRate) => 2.0 / learningRate;
    /// <inheritdoc/>
    public void Reset() => StepCount = 0;
    /// <inheritdoc/>
    public void Dispose() { }
}
