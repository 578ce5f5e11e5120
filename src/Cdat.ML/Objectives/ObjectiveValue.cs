using TorchSharp;

namespace Cdat.ML.Objectives;

/// <summary>The value of an objective at the current weights: its chunk losses summed in float64, without gradients.</summary>
internal static class ObjectiveValue
{
    public static double Of(IObjective objective)
    {
        using var _ = torch.no_grad();
        double sum = 0;
        for (int c = 0; c < objective.ChunkCount; c++)
        {
            using var chunk = torch.NewDisposeScope();
            sum += objective.ChunkLoss(c).to(torch.ScalarType.Float64).item<double>();
        }
        return sum;
    }
}
