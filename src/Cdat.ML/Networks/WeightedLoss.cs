using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Networks;

/// <summary>
/// A built-in loss with one weight per example: <c>(1/N) Σ_n w_n ℓ(output_n, target_n)</c>. Targets come as float rows
/// [N, 2] of (target in the inner loss's encoding, weight), see <see cref="Pack"/>. Readers scale the weights to mean 1
/// over the rows they read, so this is the weighted mean Σ wℓ / Σ w on those rows and keeps the loss's scale. Targets
/// that are not packed are unweighted.
/// </summary>
internal sealed class WeightedLoss(IExampleLoss inner) : ILoss
{
    /// <summary>The unweighted loss.</summary>
    public IExampleLoss Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <inheritdoc/>
    public string Name => Inner.Name;

    /// <inheritdoc/>
    public Tensor Compute(Tensor output, Tensor target)
    {
        // Rows whose weights were all equal come unpacked: they train as unweighted rows.
        if (!IsPacked(target)) return Inner.Compute(output, target);
        using var scope = NewDisposeScope();
        var (values, weights) = Unpack(target);
        return Inner.PerExample(output, values).mul(weights.to(output.dtype)).mean().MoveToOuterDisposeScope();
    }

    /// <summary>Targets and weights as one float tensor [N, 2] (class indices are exact in float below 2^24).</summary>
    public static Tensor Pack(Tensor targets, Tensor weights, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        return torch.stack(new[] { targets.reshape(-1).to(dtype), weights.reshape(-1).to(dtype) }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Whether <paramref name="targets"/> are packed (target, weight) rows; an unweighted task's targets are [N] or [N, 1].</summary>
    public static bool IsPacked(Tensor targets) => targets.dim() == 2 && targets.shape[1] == 2;

    /// <summary>The targets (views [N]) and weights of packed rows.</summary>
    public static (Tensor Targets, Tensor Weights) Unpack(Tensor packed) => (packed.select(1, 0), packed.select(1, 1));

    /// <summary>The targets alone: packed rows lose their weights, other targets are returned as they are.</summary>
    public static Tensor TargetsOf(Tensor targets) => IsPacked(targets) ? targets.select(1, 0) : targets;
}
