using Cdat.ML.Batches;
using Cdat.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Samples.Datasets;

/// <summary>
/// Mini-batches of square images (rows of side × side pixels) randomly mirrored left-right and shifted by up to
/// <c>maxShift</c> pixels in each direction, the uncovered border filled with the background value. Every image gets
/// its own draw, seeded per epoch; full-batch data and subsets pass through unchanged.
/// </summary>
internal sealed class ImageAugmentation(IBatchSource source, int side, int maxShift, bool mirror, float background, long seed) : IBatchSource
{
    public long Rows => source.Rows;
    public int BatchesPerEpoch => source.BatchesPerEpoch;
    public bool IsFullBatch => source.IsFullBatch;

    public IEnumerable<(Tensor Features, Tensor Targets)> Batches(int epoch, Device device)
    {
        if (IsFullBatch)
        {
            foreach (var batch in source.Batches(epoch, device)) yield return batch;
            yield break;
        }
        using var generator = new Generator((ulong)(seed * 7_919 + epoch));
        // The pixel grid, reused by every batch: row and column of each output pixel.
        // Scalars are created and disposed explicitly: TorchSharp's implicit ones can be finalized mid-call.
        using Scalar start = 0L.ToScalar(), pixels = ((long)side * side).ToScalar(), step = 1L.ToScalar(), width = ((long)side).ToScalar();
        using var grid = torch.arange(start, pixels, step, ScalarType.Int64, device).DetachFromDisposeScope();
        using var rowOf = grid.div(width, RoundingMode.floor).DetachFromDisposeScope();
        using var columnOf = grid.remainder(width).DetachFromDisposeScope();
        foreach (var (x, y) in source.Batches(epoch, device))
            yield return (Augment(x, generator, rowOf, columnOf), y);
    }

    public (Tensor Features, Tensor Targets) Subset(long rows, long subsetSeed, Device device) => source.Subset(rows, subsetSeed, device);

    /// <summary>Output pixel (r, c) of an image takes input pixel (r − dy, c' − dx), c' = c or its mirror; outside the image, the background.</summary>
    private Tensor Augment(Tensor x, Generator generator, Tensor rowOf, Tensor columnOf)
    {
        long n = x.shape[0];
        var dx = torch.randint(-maxShift, maxShift + 1, new long[] { n, 1 }, generator: generator).to(x.device);
        var dy = torch.randint(-maxShift, maxShift + 1, new long[] { n, 1 }, generator: generator).to(x.device);
        using Scalar zero = 0L.ToScalar(), last = ((long)side - 1).ToScalar(), width = ((long)side).ToScalar(), one = 1L.ToScalar(), half = 0.5.ToScalar();
        var column = columnOf.unsqueeze(0).expand(n, -1);
        if (mirror)
        {
            var flip = torch.rand(new long[] { n, 1 }, generator: generator).lt(half).to(x.device);
            column = torch.where(flip, column.neg().add_(last, one), column);
        }
        var sourceRow = rowOf.unsqueeze(0) - dy;
        var sourceColumn = column - dx;
        var inside = sourceRow.ge(zero) & sourceRow.lt(width) & sourceColumn.ge(zero) & sourceColumn.lt(width);
        var index = sourceRow.clamp(zero, last).mul(width).add_(sourceColumn.clamp(zero, last), alpha: one).to(ScalarType.Int64);
        return torch.where(inside, x.gather(1, index), torch.tensor(background, x.dtype, x.device));
    }
}
