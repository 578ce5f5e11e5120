namespace Cdat.ML.Curvature;

/// <summary>An estimate of a symmetric operator's extreme eigenvalues.</summary>
/// <param name="Largest">Largest algebraic eigenvalue (power iteration: the eigenvalue of largest magnitude, with its sign).</param>
/// <param name="Smallest">Smallest algebraic eigenvalue of the Krylov subspace (Lanczos); NaN for power iteration.</param>
/// <param name="Residual">Residual norm of the top eigenpair, ‖Av − λv‖ (Lanczos) or the last relative change (power iteration).</param>
/// <param name="Products">Operator products spent.</param>
/// <param name="Converged">Whether the tolerance was met.</param>
public readonly record struct EigenEstimate(double Largest, double Smallest, double Residual, int Products, bool Converged);
