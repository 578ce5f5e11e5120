using static TorchSharp.torch;

namespace Cdat.ML.Batches;

/// <summary>
/// Tensors made from .NET arrays, in storage that libtorch allocates. A tensor from <c>torch.tensor(array)</c> lies
/// wherever the array's copy landed, and MKL's sgemm rounds differently with the alignment of its input: the same
/// 5-row batch gave one of two gradients at random, so a seeded run was not reproducible across processes. libtorch's
/// own allocations are 64-byte aligned, which makes every batch's arithmetic the same in every run.
/// </summary>
internal static class HostTensors
{
    /// <summary>The values of <paramref name="array"/> as a new tensor of <paramref name="dtype"/>, in the caller's dispose scope.</summary>
    public static Tensor From(Array array, ScalarType dtype)
    {
        using var view = array switch
        {
            float[,] m => tensor(m),
            float[] v => tensor(v),
            long[] v => tensor(v),
            _ => throw new ArgumentException($"Unsupported array type {array.GetType()}.", nameof(array)),
        };
        var owned = empty(view.shape, dtype);
        owned.copy_(view);
        return owned;
    }
}
