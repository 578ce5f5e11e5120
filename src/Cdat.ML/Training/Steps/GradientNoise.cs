using Cdat.ML.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Training.Steps;

/// <summary>
/// How much of a mini-batch's step quantities is sampling noise: E‖g‖² = ‖∇f‖² + tr Σ/|B| for a batch B of rows drawn at
/// random, Σ the covariance of the per-row gradients, and, for a direction u = a − S·g, E[−gᵀu] = −∇fᵀE[u] + tr(SΣ)/|B|.
/// One extra gradient, on the batch's first half A, gives the other half's by difference (g = (|A|·g_A + |B∖A|·g_B)/|B|);
/// the halves are independent draws, so d = g_A − g has E[d dᵀ] = Σ·|B∖A|/(|A|·|B|), and dᵀMd·|A|/|B∖A| estimates
/// tr(MΣ)/|B| for any fixed M (M = I for ‖g‖², M = S for −gᵀu).
/// </summary>
internal static class GradientNoise
{
    /// <summary>The estimates of tr Σ/|B| and, when <paramref name="share"/> gives S·d, of tr(SΣ)/|B|; zeros when the batch cannot be halved.</summary>
    public static (double Gradient, double? Decrease) Estimate(IObjective objective, Tensor[] parameters, IReadOnlyList<Tensor> gradient,
                                                               Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>?>? share = null)
    {
        if (objective is not SupervisedObjective batch || batch.Rows < 4) return (0, 0);
        long rows = batch.Rows, half = rows / 2;
        using var scope = torch.NewDisposeScope();
        var (loss, firstGradient, _) = GradientPass.Compute(batch.Head(half), parameters, keepGraph: false);
        if (!double.IsFinite(loss)) return (double.NaN, double.NaN);
        var difference = new Tensor[gradient.Count];
        using (torch.no_grad())
            for (int i = 0; i < difference.Length; i++) difference[i] = firstGradient[i].sub(gradient[i]);
        double scale = (double)half / (rows - half);
        double? decrease = share?.Invoke(difference) is { } shared ? ParameterVectors.Dot(difference, shared) * scale : null;
        return (ParameterVectors.Dot(difference, difference) * scale, decrease);
    }
}
