using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Training;

/// <summary>A copy of the parameters kept outside dispose scopes (for the best weights seen).</summary>
internal class WeightSnapshot : IDisposable
{
    protected readonly Tensor[] Parameters;
    protected Tensor[] Copy;

    public WeightSnapshot(IReadOnlyList<Tensor> parameters)
    {
        Parameters = parameters.ToArray();
        Copy = Clone();
    }

    /// <summary>Copies the current parameters in.</summary>
    public void Capture() => CopyInto(Copy);

    /// <summary>Writes the copy back into the parameters.</summary>
    public void Restore()
    {
        using var _ = torch.no_grad();
        for (int i = 0; i < Copy.Length; i++) Parameters[i].copy_(Copy[i]);
    }

    protected Tensor[] Clone()
    {
        using var _ = torch.no_grad();
        return Parameters.Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
    }

    protected void CopyInto(Tensor[] target)
    {
        using var _ = torch.no_grad();
        for (int i = 0; i < target.Length; i++) target[i].copy_(Parameters[i]);
    }

    public virtual void Dispose()
    {
        foreach (var t in Copy) t.Dispose();
    }
}

/// <summary>
/// The last weights whose loss was finite, for rolling back after divergence: one copy per step into a spare buffer,
/// promoted by swapping when the step's loss turns out finite.
/// </summary>
internal sealed class LastFiniteWeights : WeightSnapshot
{
    private Tensor[] _pending;

    public LastFiniteWeights(IReadOnlyList<Tensor> parameters) : base(parameters) => _pending = Clone();

    /// <summary>The step whose update produced the kept weights (0: the initial weights).</summary>
    public long Step { get; private set; }

    /// <summary>Call before step <c>t</c>: remembers the weights it starts from.</summary>
    public void BeforeStep() => CopyInto(_pending);

    /// <summary>Call when step <paramref name="step"/>'s loss was finite: its starting weights become the fallback.</summary>
    public void Finite(long step)
    {
        (Copy, _pending) = (_pending, Copy);
        Step = step - 1;
    }

    public override void Dispose()
    {
        base.Dispose();
        foreach (var t in _pending) t.Dispose();
    }
}
