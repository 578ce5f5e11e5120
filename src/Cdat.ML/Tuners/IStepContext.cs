namespace Cdat.ML.Tuners;

/// <summary>
/// What a step-size rule may ask of the current step. Quantities are float64 scalars; the expensive ones
/// (<see cref="Curvature"/>, <see cref="LossAt"/>) are computed only when asked for.
/// </summary>
public interface IStepContext
{
    /// <summary>Step index, starting at 1.</summary>
    long Step { get; }
    /// <summary>Steps per epoch (1 in full batch); schedules and the sls/sps smoothing use it.</summary>
    int StepsPerEpoch { get; }
    /// <summary>Mean loss f(w) on the step's batch.</summary>
    double Loss { get; }
    /// <summary>gᵀu: the directional derivative along the update direction (negative for a descent direction).</summary>
    double GradientDotDirection { get; }
    /// <summary>‖g‖².</summary>
    double GradientNormSquared { get; }
    /// <summary>‖u‖².</summary>
    double DirectionNormSquared { get; }
    /// <summary>
    /// Signed curvature uᵀHu along the direction, on the same batch as the gradient (exact Hessian-vector product,
    /// or an amortised estimate when the optimizer is configured so). Computed once, on first call.
    /// </summary>
    double Curvature();
    /// <summary>f(w + lr·u) on the same batch; the parameters are restored afterwards. NaN when not finite.</summary>
    double LossAt(double learningRate);
    /// <summary>
    /// (‖w − w₀‖, ‖w₀‖): the distance of the parameters from where training started, and the size of that start, for
    /// distance-based rules (DoG). w₀ is recorded at the first call (step 1 for a rule that asks every step).
    /// </summary>
    (double Distance, double StartNorm) DistanceFromStart() =>
        throw new NotSupportedException("This step context does not track the starting point.");
    /// <summary>
    /// The sampling noise in <see cref="GradientNormSquared"/>: an estimate of tr Σ/|B|, where E‖g‖² = ‖∇f‖² + tr Σ/|B|
    /// for a mini-batch B drawn at random and Σ is the covariance of the per-row gradients. It comes from one extra
    /// gradient on half of the batch, computed once, on first call. 0 in full batch (one step per epoch), where the
    /// gradient is exact.
    /// </summary>
    double GradientNoise() => 0;
    /// <summary>
    /// The sampling noise in −<see cref="GradientDotDirection"/>: an estimate of tr(SΣ)/|B|, S the direction's share of
    /// the current gradient (u = a − S·g; see <see cref="Directions.IDirection.CurrentGradientShare"/>), from the same
    /// half-batch gradient as <see cref="GradientNoise"/>. For gradient descent it equals <see cref="GradientNoise"/>;
    /// for a direction without such a share, the noise's share of ‖g‖² applied to −gᵀu. 0 in full batch.
    /// </summary>
    double DecreaseNoise() => 0;
}
