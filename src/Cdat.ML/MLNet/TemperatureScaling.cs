using Cdat.ML.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.MLNet;

/// <summary>
/// Temperature scaling (Guo et al., 2017): one factor a = 1/T for a classifier's logits, the one that minimises the
/// cross-entropy of the validation rows. It changes the probabilities, never the ranking or the predicted class, and is
/// folded into the output layer. The loss is convex in a (its second derivative is the logits' variance under the
/// predicted distribution), so a bisection on its derivative finds it.
/// </summary>
internal static class TemperatureScaling
{
    /// <summary>The factor stays in [1/20, 2]: at most 20× softer, at most 2× sharper (a few perfectly separated validation rows would otherwise ask for ever sharper probabilities).</summary>
    public const double MinFactor = 1.0 / 20, MaxFactor = 2;
    /// <summary>Rows per forward pass.</summary>
    private const long ChunkRows = TrainingOptions.DefaultChunkRows;

    /// <summary>The factor for the validation rows' logits from <paramref name="network"/>; 1 when there are none.</summary>
    public static double Fit(nn.Module<Tensor, Tensor> network, Batches.IBatchSource validation, CdatTask task, Device device)
    {
        var rows = new Logits();
        rows.Add(network, validation, task, device);
        return rows.Fit(task);
    }

    /// <summary>
    /// Logits gathered from one or more networks, each on rows it did not train on (the fold ensemble's held-out folds),
    /// with their classes and example weights, to fit one factor on all of them.
    /// </summary>
    internal sealed class Logits
    {
        private readonly List<double[]> _logits = new();
        private readonly List<int> _classes = new();
        private readonly List<double> _weights = new();

        public int Count => _logits.Count;

        /// <summary>Adds <paramref name="network"/>'s logits on the rows of <paramref name="rows"/>.</summary>
        public void Add(nn.Module<Tensor, Tensor> network, Batches.IBatchSource rows, CdatTask task, Device device)
        {
            using var scope = torch.NewDisposeScope();
            if (ValidationOutputs.Of(network, rows, device, ChunkRows) is not { } all) return;
            var (outputs, targets, _) = all;
            var values = outputs.to(ScalarType.Float64).contiguous().data<double>().ToArray();
            var classes = Networks.WeightedLoss.TargetsOf(targets).to(ScalarType.Int64).contiguous().data<long>().ToArray();
            var weights = Networks.WeightedLoss.IsPacked(targets) ? Networks.WeightedLoss.Unpack(targets).Weights.to(ScalarType.Float64).contiguous().data<double>().ToArray() : null;
            int width = task == CdatTask.BinaryClassification ? 1 : (int)outputs.shape[1];
            for (int i = 0; i < classes.Length; i++)
            {
                _logits.Add(values.AsSpan(i * width, width).ToArray());
                _classes.Add((int)classes[i]);
                _weights.Add(weights?[i] ?? 1);
            }
        }

        /// <summary>The factor for every row gathered; 1 when there are none.</summary>
        public double Fit(CdatTask task) =>
            TemperatureScaling.Fit(_logits, _classes, binary: task == CdatTask.BinaryClassification, _weights.All(w => w == 1) ? null : _weights);
    }

    /// <summary>
    /// The factor for the given logits (one per row for binary, one per class otherwise) and class indices, each row
    /// counting with its example weight when <paramref name="weights"/> are given.
    /// </summary>
    internal static double Fit(IReadOnlyList<double[]> logits, IReadOnlyList<int> targets, bool binary, IReadOnlyList<double>? weights = null)
    {
        if (logits.Count == 0) return 1;
        // Bisection in log a on the derivative, which rises with a.
        double low = Math.Log(MinFactor), high = Math.Log(MaxFactor);
        if (Slope(Math.Exp(low)) >= 0) return MinFactor;
        if (Slope(Math.Exp(high)) <= 0) return MaxFactor;
        for (int i = 0; i < 60; i++)
        {
            double middle = 0.5 * (low + high);
            if (Slope(Math.Exp(middle)) < 0) low = middle; else high = middle;
        }
        return Math.Exp(0.5 * (low + high));

        // d/da of the mean cross-entropy of a·z: the mean over rows of E_p[z] − z_target (binary: (σ(a·z) − y)·z).
        double Slope(double a)
        {
            double sum = 0;
            for (int r = 0; r < logits.Count; r++)
            {
                var z = logits[r];
                double weight = weights?[r] ?? 1;
                if (binary)
                {
                    double p = 1 / (1 + Math.Exp(-a * z[0]));
                    sum += weight * (p - targets[r]) * z[0];
                    continue;
                }
                double max = double.NegativeInfinity;
                foreach (double v in z) max = Math.Max(max, a * v);
                double normaliser = 0, expected = 0;
                foreach (double v in z)
                {
                    double w = Math.Exp(a * v - max);
                    normaliser += w;
                    expected += w * v;
                }
                sum += weight * (expected / normaliser - z[targets[r]]);
            }
            return sum / logits.Count;
        }
    }
}
