namespace Cdat.ML.Tuners;

/// <summary>
/// A step-size rule: given the current step's context (loss, gᵀu, curvature and trial-point oracles) it picks the
/// learning rate along the base optimizer's unit-learning-rate direction u, so that w ← w + lr·u.
/// </summary>
/// <remarks>Implementations keep their own state and must return a finite, non-negative learning rate.</remarks>
public interface ILearningRateTuner
{
    /// <summary>A short name for reports, e.g. <c>cdat(sigma=2)</c>.</summary>
    string Name { get; }

    /// <summary>Whether <see cref="Propose"/> may call <see cref="IStepContext.Curvature"/>; the optimizer then keeps the
    /// gradient's graph for a Hessian-vector product.</summary>
    bool UsesCurvature { get; }

    /// <summary>Number of steps proposed since creation or the last <see cref="Reset"/>.</summary>
    long StepCount { get; }

    /// <summary>Chooses this step's learning rate and advances the tuner's state.</summary>
    TunerStep Propose(IStepContext context);

    /// <summary>Forgets all state, as if newly created.</summary>
    void Reset();
}
