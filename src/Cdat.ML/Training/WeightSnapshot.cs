using Cdat.ML.Curvature;
using Cdat.ML.Directions;
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
    public virtual void Restore()
    {
        using var _ = torch.no_grad();
        for (int i = 0; i < Copy.Length; i++) Parameters[i].copy_(Copy[i]);
    }

    protected Tensor[] Clone() => ParameterVectors.DetachedCopies(Parameters);

    protected void CopyInto(Tensor[] target)
    {
        if (HostMemory.AllHostFloat(target, Parameters))
        {
            for (int i = 0; i < target.Length; i++) HostMemory.Floats(Parameters[i]).CopyTo(HostMemory.Floats(target[i]));
            return;
        }
        using var _ = torch.no_grad();
        for (int i = 0; i < target.Length; i++) target[i].copy_(Parameters[i]);
    }

    public virtual void Dispose()
    {
        foreach (var t in Copy) t.Dispose();
    }
}

/// <summary>
/// The last good weights, for rolling back after divergence: one copy per step into a spare buffer, promoted by
/// swapping when the step turns out good (see <see cref="DivergenceGuard"/>).
/// </summary>
internal sealed class LastGoodWeights : WeightSnapshot
{
    private Tensor[] _pending;

    public LastGoodWeights(IReadOnlyList<Tensor> parameters) : base(parameters) => _pending = Clone();

    /// <summary>The step whose resulting weights are kept (0: the initial weights).</summary>
    public long Step { get; private set; }

    /// <summary>Call before step <c>t</c>: remembers the weights it starts from.</summary>
    public void BeforeStep() => CopyInto(_pending);

    /// <summary>Step <paramref name="step"/> was good: the weights it started from (step − 1's) become the fallback.</summary>
    public void Promote(long step)
    {
        (Copy, _pending) = (_pending, Copy);
        Step = step - 1;
    }

    /// <summary>Writes the weights remembered by the last <see cref="BeforeStep"/> back into the parameters.</summary>
    public void RestorePending()
    {
        using var _ = torch.no_grad();
        for (int i = 0; i < _pending.Length; i++) Parameters[i].copy_(_pending[i]);
    }

    public override void Dispose()
    {
        base.Dispose();
        foreach (var t in _pending) t.Dispose();
    }
}

/// <summary>Weights that are validated and kept instead of the trained ones: an average of them.</summary>
internal abstract class AveragedWeights : WeightSnapshot
{
    private readonly Tensor[] _held;

    protected AveragedWeights(IReadOnlyList<Tensor> parameters) : base(parameters) => _held = Clone();

    /// <summary>Called after every healthy step.</summary>
    public abstract void Update();

    /// <summary>False while there is no average to put in (a direction reset since its last step).</summary>
    public virtual bool HasAverage => true;

    /// <summary>Puts the average into the parameters until the returned handle is disposed, which puts the weights back.</summary>
    public IDisposable SwapIn()
    {
        CopyInto(_held);
        Restore();
        return new Swap(this);
    }

    public override void Dispose()
    {
        base.Dispose();
        foreach (var t in _held) t.Dispose();
    }

    private sealed class Swap(AveragedWeights owner) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            using var _ = torch.no_grad();
            for (int i = 0; i < owner._held.Length; i++) owner.Parameters[i].copy_(owner._held[i]);
        }
    }
}

/// <summary>The average a direction keeps itself (schedule-free's x, <see cref="IDirection.EvaluationWeights"/>).</summary>
internal sealed class DirectionAverage(IReadOnlyList<Tensor> parameters, IDirection direction) : AveragedWeights(parameters)
{
    public override void Update() { }

    public override bool HasAverage => direction.EvaluationWeights is not null;

    public override void Restore()
    {
        if (direction.EvaluationWeights is not { } x) return;
        using (torch.no_grad())
            for (int i = 0; i < Copy.Length; i++) Copy[i].copy_(x[i]);
        base.Restore();
    }
}

/// <summary>
/// A running exponential average of the weights (Polyak averaging), which smooths the noise mini-batch steps leave in
/// the last iterate. The decay of update t (1, 2, ...) ramps up as min(β, (t − 1) / (t + 8)): the first update copies the
/// weights, so the average holds no trace of the initial ones and is not biased towards them early on.
/// </summary>
internal sealed class WeightAverage(IReadOnlyList<Tensor> parameters, double decay) : AveragedWeights(parameters)
{
    private readonly double _decay = decay;
    private long _updates;

    /// <summary>Folds the current weights into the average.</summary>
    public override void Update()
    {
        _updates++;
        double ramped = Math.Min(_decay, (_updates - 1.0) / (_updates + 8.0));
        if (HostMemory.AllHostFloat(Copy, Parameters))
        {
            for (int i = 0; i < Copy.Length; i++)
            {
                var average = HostMemory.Floats(Copy[i]);
                System.Numerics.Tensors.TensorPrimitives.Multiply(average, (float)ramped, average);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(HostMemory.Floats(Parameters[i]), (float)(1 - ramped), average, average);
            }
            return;
        }
        using var _ = torch.no_grad();
        using Scalar kept = Scalars.Of(ramped), added = Scalars.Of(1 - ramped);
        for (int i = 0; i < Copy.Length; i++) Copy[i].mul_(kept).add_(Parameters[i], alpha: added);
    }
}
