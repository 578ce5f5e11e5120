using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Batches;

/// <summary>Host arrays as the tensors a batch holds: features, and targets in the task's loss encoding.</summary>
internal static class BatchTargets
{
    /// <summary>
    /// Targets in the task's loss encoding ([N, 1] values, [N] 0/1, or [N] int64 classes), or, with
    /// <paramref name="weights"/>, packed with them as [N, 2] rows (<see cref="Networks.WeightedLoss"/>); in the caller's
    /// dispose scope.
    /// </summary>
    public static Tensor Targets(float[] labels, CdatTask task, ScalarType dtype, float[]? weights = null)
    {
        if (weights is not null)
        {
            using var scope = torch.NewDisposeScope();
            return Networks.WeightedLoss.Pack(HostTensors.From(labels, dtype), HostTensors.From(weights, dtype), dtype).MoveToOuterDisposeScope();
        }
        return task switch
        {
            CdatTask.Regression => HostTensors.From(labels, dtype).reshape(-1, 1),
            CdatTask.BinaryClassification => HostTensors.From(labels, dtype),
            _ => HostTensors.From(labels, ScalarType.Int64),
        };
    }

    /// <summary>Features [N, d] and targets as <see cref="Targets"/> makes them, in the caller's dispose scope.</summary>
    public static (Tensor X, Tensor Y) ToTensors(float[,] features, float[] labels, CdatTask task, ScalarType dtype, float[]? weights = null)
    {
        return (HostTensors.From(features, dtype), Targets(labels, task, dtype, weights));
    }
}
