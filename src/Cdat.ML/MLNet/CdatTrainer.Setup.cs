using Cdat.ML.Diagnostics;
using Cdat.ML.Networks;
using Cdat.ML.Scoring;
using Cdat.ML.Training;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML;

// The pieces Fit puts together: the loss of the task, the device, class names, the weights out of the network, and the log.
public sealed partial class CdatTrainer
{
    /// <summary>The task's loss; with example weights, one that weighs rows whose targets come packed with their weights.</summary>
    private static ILoss LossFor(CdatTask task, bool weighted)
    {
        var loss = task switch
        {
            CdatTask.Regression => Losses.SquaredError,
            CdatTask.BinaryClassification => Losses.BinaryLogistic,
            _ => Losses.SoftmaxCrossEntropy,
        };
        return weighted ? new WeightedLoss((IExampleLoss)loss) : loss;
    }

    private string ResolveDevice(string? device, IChannel? channel)
    {
        if (device is null)
        {
            var (gpu, fallback) = Devices.FromEnvironment(_environment);
            if (gpu is not int id) return "cpu";
            if (torch.cuda.is_available() && id < torch.cuda.device_count()) return FormattableString.Invariant($"cuda:{id}");
            if (!fallback)
                throw new InvalidOperationException(FormattableString.Invariant(
                    $"MLContext.GpuDeviceId is {id}, but TorchSharp sees no CUDA device {id} (reference a CUDA backend such as TorchSharp-cuda-linux); set MLContext.FallbackToCpu = true to train on the CPU instead, or Options.Device."));
            channel?.Info(MessageSensitivity.None, FormattableString.Invariant($"Cdat: MLContext.GpuDeviceId {id}: no such CUDA device, training on the CPU (MLContext.FallbackToCpu)."));
            return "cpu";
        }
        return Devices.NameOf(Devices.Resolve(device, message => channel?.Info(MessageSensitivity.None, "Cdat: " + message)));
    }

    /// <summary>Class names usable as column and key names: unique and non-empty, else their indices.</summary>
    private static string[] UsableClassNames(string[] names, IChannel? channel)
    {
        bool usable = names.All(n => !string.IsNullOrEmpty(n) && !n.StartsWith("__cdat_", StringComparison.Ordinal))
                      && names.Distinct(StringComparer.Ordinal).Count() == names.Length;
        if (usable) return names;
        channel?.Warning(MessageSensitivity.None, "Cdat: the label's key values are not unique non-empty names; classes are named by index.");
        return Enumerable.Range(0, names.Length).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>
    /// The trained weights as managed arrays, with the label standardisation folded into the output layer:
    /// y = scale·(W·h + b) + offset, and the input transform training read the features through.
    /// </summary>
    internal static MlpWeights ToWeights(nn.Module<Tensor, Tensor> network, Activation activation, double offset = 0, double scale = 1, FeatureScaler? inputScaler = null) =>
        ToWeights(MultilayerPerceptron.ReadLayers(network), activation, offset, scale, inputScaler);

    /// <inheritdoc cref="ToWeights(nn.Module{Tensor, Tensor}, Activation, double, double, FeatureScaler?)"/>
    internal static MlpWeights ToWeights(IReadOnlyList<LayerArrays> read, Activation activation, double offset = 0, double scale = 1, FeatureScaler? inputScaler = null)
    {
        var layers = read.ToArray();
        if (offset != 0 || scale != 1)
        {
            var last = layers[^1];
            layers[^1] = last with
            {
                Weight = last.Weight.Select(v => (float)(v * scale)).ToArray(),
                Bias = last.Bias.Select(v => (float)(v * scale + offset)).ToArray(),
            };
        }
        return new MlpWeights(layers.Select(l => DenseLayer.Own(l.Inputs, l.Outputs, l.Weight, l.Bias)).ToArray(), activation, inputScaler);
    }

    private CdatModelParameters Placeholder()
    {
        int outputs = Task == CdatTask.MulticlassClassification ? 2 : 1;
        var layer = new DenseLayer(1, outputs, new float[outputs], new float[outputs]);
        var names = Task == CdatTask.MulticlassClassification ? new[] { "__placeholder0", "__placeholder1" } : Array.Empty<string>();
        var metrics = new CdatTrainingMetrics(0, 0, null, 0, 0, 0, 0, null, null, 0, 0, false, false, "", 0, "", "", "");
        return new CdatModelParameters(Task, new MlpWeights(new[] { layer }, Activation.Tanh), names, metrics);
    }

    /// <summary>The run as ML.NET-style metrics.</summary>
    private static CdatTrainingMetrics Summarize(TrainingResult result, double seconds, string tuner, string direction, string device, CdatRegime? regime = null,
                                                 long stepOffset = 0, string metricName = "")
    {
        var steps = result.Steps;
        var finite = steps.Where(s => double.IsFinite(s.Loss)).ToArray();
        var measured = steps.Where(s => s.Edge is not null).ToArray();
        return new CdatTrainingMetrics(
            finalTrainingLoss: result.AveragedLoss ?? (finite.Length > 0 ? finite[^1].Loss : double.NaN),
            bestTrainingLoss: finite.Length > 0 ? finite.Min(s => s.Loss) : double.NaN,
            validationLoss: result.BestValidationLoss,
            steps: stepOffset + steps.Count,
            epochs: steps.Count > 0 ? steps[^1].Epoch : 0,
            meanLearningRate: steps.Count > 0 ? steps.Average(s => s.LearningRate) : 0,
            finalLearningRate: steps.Count > 0 ? steps[^1].LearningRate : 0,
            maxSharpness: steps.Any(s => s.Sharpness is not null) ? steps.Max(s => s.Sharpness ?? double.MinValue) : null,
            edgeFraction: measured.Length > 0 ? (double)measured.Count(s => s.Edge >= CdatTrainingMetrics.EdgeThreshold) / measured.Length : null,
            nonDescentSteps: steps.LongCount(s => s.Flags.HasFlag(StepFlags.NonDescent)),
            lineSearchTrials: steps.Sum(s => (long)s.Trials),
            diverged: result.StopReason == StopReason.Diverged,
            rolledBack: result.RolledBack,
            stopReason: result.StopReason.ToString(),
            trainingSeconds: seconds,
            tuner: tuner,
            direction: direction,
            device: device,
            regime: regime,
            validationMetric: result.BestValidationMetric,
            validationMetricName: result.BestValidationMetric is null ? "" : metricName);
    }

    /// <summary>Forwards steps to the user's progress and writes a log line every N steps.</summary>
    private sealed class Reporter(IProgress<StepRecord>? progress, IChannel? channel, int every) : IProgress<StepRecord>
    {
        public void Report(StepRecord r)
        {
            progress?.Report(r);
            if (channel is not null && every > 0 && r.Step % every == 0)
                channel.Info(MessageSensitivity.None, FormattableString.Invariant(
                    $"Cdat: step {r.Step} epoch {r.Epoch} loss {r.Loss:G5} lr {r.LearningRate:G4}{(r.Edge is double e ? $" edge {e:F3}" : "")}{(r.ValidationLoss is double v ? $" validation {v:G5}" : "")}"));
        }
    }

    /// <summary>Options that only act on validation data are refused, by name, when the data hold none out: never silently ignored.</summary>
    private static void RequireNoValidationOptions(Options o, bool streamed, long rows)
    {
        string why = o.ValidationFraction == 0 ? $"{nameof(Options.ValidationFraction)} is 0"
            : streamed ? "streamed data hold nothing out"
            : rows < MinRowsForFolds ? FormattableString.Invariant($"{rows} rows are too few to hold any out (folds take {MinRowsForFolds}, a tenth {MinRowsForHoldout})")
            : FormattableString.Invariant($"{rows} rows are too few to hold a tenth out (it takes {MinRowsForHoldout}) and {nameof(Options.SmallDataFolds)} is {o.SmallDataFolds}");
        if (o.EarlyStoppingPatience > 0)
            throw new ArgumentException($"Cdat option {nameof(Options.EarlyStoppingPatience)} stops on the validation loss, but {why}: give a ValidationSet, or leave {nameof(Options.EarlyStoppingPatience)} unset.",
                nameof(Options.EarlyStoppingPatience));
        if (o.ValidationEvery is not null)
            throw new ArgumentException($"Cdat option {nameof(Options.ValidationEvery)} sets how often validation data are scored, but {why}: give a ValidationSet, or leave {nameof(Options.ValidationEvery)} unset.",
                nameof(Options.ValidationEvery));
        if (o.PlateauRateFactor < 1)
            throw new ArgumentException($"Cdat option {nameof(Options.PlateauRateFactor)} lowers the rate when the validation loss stalls, but {why}: give a ValidationSet, or leave {nameof(Options.PlateauRateFactor)} unset.",
                nameof(Options.PlateauRateFactor));
    }

    /// <summary>Options that only a tuner measuring curvature uses are named in a warning when the tuner does not.</summary>
    private void WarnIfNoCurvature(bool usesCurvature, IChannel? channel)
    {
        var o = TrainerOptions;
        if (!usesCurvature && (o.CurvatureEvery != 1 || o.CurvatureSubsampleRows is not null))
            channel?.Warning(MessageSensitivity.None, $"Cdat: {o.Tuner} measures no curvature, so CurvatureEvery and CurvatureSubsampleRows have no effect.");
    }
}
