using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Directions;

/// <summary>
/// A base optimizer reduced to its update direction at unit learning rate (optax semantics): the step is
/// <c>w ← w + lr·u</c> and a tuner picks lr. Each direction owns its state (momentum, moments).
/// </summary>
public interface IDirection : IDisposable
{
    /// <summary>A short name for reports, e.g. <c>adam</c>.</summary>
    string Name { get; }

    /// <summary>Number of directions computed since creation or the last <see cref="Reset"/>.</summary>
    long StepCount { get; }

    /// <summary>
    /// Computes u from the gradient and advances the state, whatever learning rate follows (even 0).
    /// The returned tensors belong to the caller's dispose scope; the gradient is not modified.
    /// </summary>
    IReadOnlyList<Tensor> Compute(IReadOnlyList<Tensor> gradient);

    /// <summary>
    /// The diagonal preconditioner P of the last direction (u = −P⁻¹·m), for the preconditioned sharpness
    /// λ_max(P^-1/2 H P^-1/2); <c>null</c> when the direction is not preconditioned.
    /// </summary>
    IReadOnlyList<Tensor>? Preconditioner();

    /// <summary>
    /// The edge-of-stability threshold at learning rate <paramref name="learningRate"/> for the sharpness this
    /// direction is judged by (preconditioned when <see cref="Preconditioner"/> is not null): 2/lr for GD and RMSProp,
    /// 2(1+μ)/lr for heavy-ball momentum, (2+2β1)/((1−β1)·lr) for Adam.
    /// </summary>
    double StabilityThreshold(double learningRate);

    /// <summary>Forgets all state.</summary>
    void Reset();

    /// <summary>
    /// The last direction's share of the gradient it was computed from, applied to <paramref name="vector"/>: writing
    /// u = a − S·g, with a set by earlier steps and S diagonal (second moments taken as fixed), returns S·vector. The
    /// step's own batch noise then adds tr(SΣ)/|B| to −gᵀu in expectation, which CDAT's noise-corrected numerator
    /// removes. Null (the default) when the direction has no such form; the correction then assumes the noise's share
    /// of −gᵀu is its share of ‖g‖².
    /// </summary>
    IReadOnlyList<Tensor>? CurrentGradientShare(IReadOnlyList<Tensor> vector) => null;

    /// <summary>
    /// Called once by the optimizer with the parameters it trains, before the first <see cref="Compute"/>. Directions
    /// that need the weights themselves (Prodigy's distance from the start) keep them; the others ignore them.
    /// </summary>
    void Bind(IReadOnlyList<Tensor> parameters) { }

    /// <summary>
    /// The weights to evaluate and to end training with, when the direction keeps them apart from the weights it takes
    /// gradients at (schedule-free's average x); null for the others. The training loop validates these and ends with them.
    /// Unlike <see cref="Training.TrainingOptions.WeightAverageDecay"/>'s average, which skips unhealthy steps, this one is
    /// the direction's own: it has taken in every step it computed, including a step cancelled midway or rolled back by the
    /// divergence guard (which restores the trained weights only).
    /// </summary>
    IReadOnlyList<Tensor>? EvaluationWeights => null;
}
