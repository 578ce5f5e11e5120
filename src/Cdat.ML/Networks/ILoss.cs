using static TorchSharp.torch;

namespace Cdat.ML.Networks;

/// <summary>A mean-reduced training loss: <c>(1/N) Σ_n ℓ(output_n, target_n)</c>.</summary>
public interface ILoss
{
    /// <summary>A short name, e.g. <c>mse</c>.</summary>
    string Name { get; }

    /// <summary>The mean loss as a scalar tensor.</summary>
    /// <param name="output">Network outputs, shape [N, K] (or [N] for a single output).</param>
    /// <param name="target">Targets in the loss's own encoding (see each loss).</param>
    Tensor Compute(Tensor output, Tensor target);
}
