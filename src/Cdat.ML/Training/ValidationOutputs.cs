using Cdat.ML.Batches;
using Cdat.ML.Data;
using Cdat.ML.Networks;
using Cdat.ML.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Training;

/// <summary>
/// A network's outputs on every row of a source, without gradients, for what needs them all at once (a task metric such
/// as AUC, a temperature): computed in chunks so that a large source needs no more memory than a chunk's activations,
/// with only the outputs kept, on the CPU.
/// </summary>
internal static class ValidationOutputs
{
    /// <summary>
    /// All rows' outputs and targets (CPU tensors in the caller's dispose scope; null when the source has no rows), and
    /// the summed <paramref name="loss"/> over the rows when one is given.
    /// </summary>
    public static (Tensor Outputs, Tensor Targets, double LossSum)? Of(nn.Module<Tensor, Tensor> network, IBatchSource source, Device device,
                                                                      long chunkRows, ILoss? loss = null)
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var outputs = new List<Tensor>();
        var targets = new List<Tensor>();
        double sum = 0;
        foreach (var (x, y) in source.Batches(1, device))
        {
            long n = x.shape[0];
            // Sparse batches come at most a chunk long.
            long chunk = x.is_sparse ? n : Math.Min(chunkRows, n);
            for (long start = 0; start < n; start += chunk)
            {
                using var inner = torch.NewDisposeScope();
                long length = Math.Min(chunk, n - start);
                var xs = length == n ? x : x.narrow(0, start, length);
                var ys = length == n ? y : y.narrow(0, start, length);
                // The trainer's perceptron on the CPU runs its managed forward pass: no dispatch per layer and chunk.
                var output = AnalyticMlp.Outputs(network, xs) ?? network.forward(xs);
                if (loss is not null) sum += loss.Compute(output, ys).to(ScalarType.Float64).cpu().item<double>() * length;
                outputs.Add(output.cpu().MoveToOuterDisposeScope());
                targets.Add(ys.cpu().MoveToOuterDisposeScope());
            }
        }
        if (outputs.Count == 0) return null;
        return (torch.cat(outputs, 0).MoveToOuterDisposeScope(), torch.cat(targets, 0).MoveToOuterDisposeScope(), sum);
    }
}
