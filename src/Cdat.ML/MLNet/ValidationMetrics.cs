using Cdat.ML.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.MLNet;

/// <summary>
/// The task metrics the trainer scores on its validation rows, as ML.NET's evaluators name and compute them: every row
/// counts once, whatever its example weight (the validation loss is the weighted one).
/// </summary>
internal static class ValidationMetrics
{
    public static IValidationMetric For(CdatTask task) => task switch
    {
        CdatTask.Regression => new RSquared(),
        CdatTask.BinaryClassification => new AreaUnderRocCurve(),
        _ => new MicroAccuracy(),
    };

    private static double[] Values(Tensor t) => t.reshape(-1).to(ScalarType.Float64).cpu().data<double>().ToArray();

    /// <summary>1 − Σ(y − ŷ)² / Σ(y − ȳ)², on the (standardised) targets the network learns: the same R² as on the labels.</summary>
    private sealed class RSquared : IValidationMetric
    {
        public string Name => "R²";

        public double Compute(Tensor outputs, Tensor packed)
        {
            var targets = Networks.WeightedLoss.TargetsOf(packed);
            var y = Values(targets);
            var p = Values(outputs);
            double mean = y.Average(), residual = 0, total = 0;
            for (int i = 0; i < y.Length; i++)
            {
                residual += (y[i] - p[i]) * (y[i] - p[i]);
                total += (y[i] - mean) * (y[i] - mean);
            }
            return total > 0 ? 1 - residual / total : double.NaN;
        }
    }

    /// <summary>The probability that a positive row scores above a negative one (ties count half): NaN with one class.</summary>
    private sealed class AreaUnderRocCurve : IValidationMetric
    {
        public string Name => "AUC";

        public double Compute(Tensor outputs, Tensor packed)
        {
            var targets = Networks.WeightedLoss.TargetsOf(packed);
            var score = Values(outputs);
            var label = Values(targets);
            var order = Enumerable.Range(0, score.Length).OrderBy(i => score[i]).ToArray();
            // Mann-Whitney: the positives' rank sum, with tied scores sharing their mean rank.
            double rankSum = 0;
            long positives = 0;
            for (int start = 0; start < order.Length;)
            {
                int end = start;
                while (end + 1 < order.Length && score[order[end + 1]] == score[order[start]]) end++;
                double rank = (start + end) / 2.0 + 1;
                for (int k = start; k <= end; k++)
                    if (label[order[k]] > 0.5) { rankSum += rank; positives++; }
                start = end + 1;
            }
            long negatives = score.Length - positives;
            return positives == 0 || negatives == 0 ? double.NaN : (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
        }
    }

    /// <summary>The fraction of rows whose largest output is their class.</summary>
    private sealed class MicroAccuracy : IValidationMetric
    {
        public string Name => "accuracy";

        public double Compute(Tensor outputs, Tensor packed)
        {
            var targets = Networks.WeightedLoss.TargetsOf(packed);
            using var predicted = outputs.argmax(1);
            using var hits = predicted.eq(targets.to(ScalarType.Int64));
            return hits.to(ScalarType.Float64).mean().cpu().item<double>();
        }
    }
}
