using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Networks;

/// <summary>
/// Squared error with the edge-of-stability convention: <c>½‖output − target‖²</c> per example, summed over outputs
/// and averaged over examples. Targets have the output's shape; for classification pass one-hot rows
/// (see <see cref="Losses.OneHot"/>).
/// </summary>
internal sealed class SquaredErrorLoss : IExampleLoss
{
    /// <inheritdoc/>
    public string Name => "mse";

    /// <inheritdoc/>
    public Tensor Compute(Tensor output, Tensor target) => PerExample(output, target).mean();

    /// <inheritdoc/>
    public Tensor PerExample(Tensor output, Tensor target)
    {
        var diff = output.reshape(output.shape[0], -1) - target.reshape(target.shape[0], -1);
        using var half = Scalars.Of(0.5);
        return (diff * diff).sum(1).mul(half);
    }
}

/// <summary>Softmax cross-entropy on logits [N, K] with integer class targets [N] (int64), averaged over examples.</summary>
internal sealed class SoftmaxCrossEntropyLoss : IExampleLoss
{
    /// <inheritdoc/>
    public string Name => "ce";

    /// <inheritdoc/>
    public Tensor Compute(Tensor output, Tensor target) => nn.functional.cross_entropy(output, target);

    /// <inheritdoc/>
    public Tensor PerExample(Tensor output, Tensor target) =>
        nn.functional.cross_entropy(output, target.reshape(-1).to(ScalarType.Int64), reduction: nn.Reduction.None);
}

/// <summary>Binary logistic loss on one logit per example ([N] or [N, 1]) with targets in {0, 1}, averaged over examples.</summary>
internal sealed class BinaryLogisticLoss : IExampleLoss
{
    /// <inheritdoc/>
    public string Name => "logistic";

    /// <inheritdoc/>
    public Tensor Compute(Tensor output, Tensor target) =>
        nn.functional.binary_cross_entropy_with_logits(output.reshape(-1), target.reshape(-1).to(output.dtype));

    /// <inheritdoc/>
    public Tensor PerExample(Tensor output, Tensor target) =>
        nn.functional.binary_cross_entropy_with_logits(output.reshape(-1), target.reshape(-1).to(output.dtype), reduction: nn.Reduction.None);
}

/// <summary>A built-in loss that can also give each example's loss, so that examples can be weighted.</summary>
internal interface IExampleLoss : ILoss
{
    /// <summary>One loss per example, shape [N]; the target may also come as float class indices (see <see cref="WeightedLoss"/>).</summary>
    Tensor PerExample(Tensor output, Tensor target);
}

/// <summary>Factory and helpers for the built-in losses.</summary>
public static class Losses
{
    /// <summary>Squared error ½‖·‖², mean over examples.</summary>
    public static ILoss SquaredError { get; } = new SquaredErrorLoss();
    /// <summary>Softmax cross-entropy, mean over examples.</summary>
    public static ILoss SoftmaxCrossEntropy { get; } = new SoftmaxCrossEntropyLoss();
    /// <summary>Binary logistic loss, mean over examples.</summary>
    public static ILoss BinaryLogistic { get; } = new BinaryLogisticLoss();

    /// <summary>One-hot rows [N, classes] in <paramref name="dtype"/> from integer labels [N].</summary>
    public static Tensor OneHot(Tensor labels, int classes, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        return nn.functional.one_hot(labels.to(ScalarType.Int64), classes).to(dtype).MoveToOuterDisposeScope();
    }
}
