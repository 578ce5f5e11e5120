using Cdat.ML.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Training.Steps;

/// <summary>
/// How much of a mini-batch gradient's squared norm is sampling noise: E‖g‖² = ‖∇f‖² + tr Σ/|B| for a batch B of
/// rows drawn at random, Σ the covariance of the per-row gradients. One extra gradient, on the batch's first half A,
/// gives the other half's by difference (g = (|A|·g_A + |B∖A|·g_B)/|B|); the two halves are independent draws, so
/// ‖g_A − g_B‖² estimates tr Σ·(1/|A| + 1/|B∖A|), which rescales to tr Σ/|B| = ‖g_A − g‖²·|A|/|B∖A|.
/// </summary>
internal static class GradientNoise
{
    /// <summary>The estimate of tr Σ/|B| for <paramref name="gradient"/>, the gradient of <paramref name="objective"/>; 0 when the batch cannot be halved.</summary>
    public static double Estimate(IObjective objective, Tensor[] parameters, IReadOnlyList<Tensor> gradient)
    {
        if (objective is not SupervisedObjective batch || batch.Rows < 4) return 0;
        long rows = batch.Rows, half = rows / 2;
        using var scope = torch.NewDisposeScope();
        var (loss, firstGradient, _) = GradientPass.Compute(batch.Head(half), parameters, keepGraph: false);
        if (!double.IsFinite(loss)) return double.NaN;
        var difference = new Tensor[gradient.Count];
        using (torch.no_grad())
            for (int i = 0; i < difference.Length; i++) difference[i] = firstGradient[i].sub(gradient[i]);
        return ParameterVectors.Dot(difference, difference) * half / (rows - half);
    }
}
