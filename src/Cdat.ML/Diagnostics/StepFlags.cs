namespace Cdat.ML.Diagnostics;

/// <summary>Events worth knowing about in one training step. Several can be set at once.</summary>
[Flags]
public enum StepFlags
{
    /// <summary>Nothing unusual happened.</summary>
    None = 0,
    /// <summary>The direction was not a descent direction (gᵀu ≥ 0).</summary>
    NonDescent = 1 << 0,
    /// <summary>The curvature along the direction was negative (uᵀHu &lt; 0).</summary>
    NegativeCurvature = 1 << 1,
    /// <summary>The loss, gradient, direction or curvature was NaN or infinite; the step was skipped.</summary>
    NonFinite = 1 << 2,
    /// <summary>The parameters were left unchanged (learning rate 0).</summary>
    Skipped = 1 << 3,
    /// <summary>A line search did not meet its acceptance condition within its budget.</summary>
    LineSearchFailed = 1 << 4,
    /// <summary>A learning-rate cap limited the step.</summary>
    CapActive = 1 << 5,
    /// <summary>The gradient (or direction) was numerically zero.</summary>
    ZeroGradient = 1 << 6,
    /// <summary>The curvature uᵀHu was not measured this step but extrapolated from the last measurement.</summary>
    CurvatureEstimated = 1 << 7,
    /// <summary>The curvature uᵀHu was measured on a subsample of the batch.</summary>
    CurvatureSubsampled = 1 << 8,
    /// <summary>Training diverged at this step: its loss or weights blew up, finite or not (see <c>TrainingOptions.DivergencePatience</c>).</summary>
    Diverged = 1 << 9,
}
