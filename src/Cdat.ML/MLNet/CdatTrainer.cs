using System.Diagnostics;
using Cdat.ML.Curvature;
using Cdat.ML.Data;
using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.MLNet;
using Cdat.ML.Networks;
using Cdat.ML.Scoring;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML;

/// <summary>The base optimizer whose unit-learning-rate update the tuner scales.</summary>
public enum CdatDirection
{
    /// <summary>Gradient descent: u = −g.</summary>
    GradientDescent,
    /// <summary>Heavy-ball momentum (<see cref="CdatTrainer.Options.Momentum"/>).</summary>
    Momentum,
    /// <summary>RMSProp (optax semantics).</summary>
    RmsProp,
    /// <summary>Adam (optax semantics).</summary>
    Adam,
}

/// <summary>The step-size rule.</summary>
public enum CdatTunerKind
{
    /// <summary>CDAT: lr = σ·max(−gᵀu, 0)/(|uᵀHu| + ε), EMA-smoothed (<see cref="CdatTrainer.Options.Sigma"/>, <see cref="CdatTrainer.Options.EmaBeta"/>).</summary>
    Cdat,
    /// <summary>The quadratically greedy step (CDAT with σ = 1, no EMA).</summary>
    QuadraticallyGreedy,
    /// <summary>A constant <see cref="CdatTrainer.Options.LearningRate"/>.</summary>
    Constant,
    /// <summary>Linear warm-up to <see cref="CdatTrainer.Options.LearningRate"/>, then cosine decay to 0 over the run.</summary>
    Schedule,
    /// <summary>Armijo backtracking line search (<see cref="CdatTrainer.Options.ArmijoPreset"/>).</summary>
    Armijo,
    /// <summary>Polyak step size SPS_max (<see cref="CdatTrainer.Options.PolyakC"/>, capped at <see cref="CdatTrainer.Options.MaxLearningRate"/>).</summary>
    Polyak,
}

/// <summary>
/// Trains a fully connected TorchSharp network whose learning rate is set at every step from the local curvature of
/// the loss (CDAT, Roulet et al. 2024) or by another tuner, for regression, binary or multiclass classification.
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// ### Input and output columns
/// | Task | Label column | Feature column | Output columns |
/// | -- | -- | -- | -- |
/// | Regression | Single | known-size vector of Single | `Score` (Single) |
/// | Binary classification | Boolean | known-size vector of Single | `Score` (logit), `Probability`, `PredictedLabel` (Boolean) |
/// | Multiclass classification | key | known-size vector of Single | `Score` (vector, one slot per class, slot names = class names), `PredictedLabel` (key) |
///
/// ### Trainer characteristics
/// | | |
/// | -- | -- |
/// | Normalization required | Yes (standardise the features, e.g. `NormalizeMeanVariance`) |
/// | Caching required | No (data is read once, then kept as tensors or streamed per epoch) |
/// | Required NuGet in addition to Microsoft.ML | Cdat.ML, TorchSharp-cpu (or a CUDA backend) for training; none extra for scoring |
/// | Exportable to ONNX | No |
///
/// ### Training algorithm details
/// Each step computes the base optimizer's update direction u at unit learning rate (gradient descent, momentum,
/// RMSProp or Adam), and the tuner picks the learning rate. CDAT needs uᵀHu, an exact Hessian-vector product by double
/// backward on the same batch. Full batch (the default) uses all rows each step; mini-batches are shuffled with the seed.
/// Diagnostics of every step (loss, learning rate, curvature, sharpness, lr·sharpness/2) are in
/// <see cref="CdatTransformer.TrainingTrace"/> and summarised in <see cref="CdatTrainingMetrics"/>.
/// ]]></format>
/// </remarks>
public sealed class CdatTrainer : IEstimator<CdatTransformer>
{
    /// <summary>Settings of <see cref="CdatTrainer"/>. The defaults train well on standardised features.</summary>
    public sealed class Options
    {
        /// <summary>Label column. Default "Label".</summary>
        public string LabelColumnName = "Label";
        /// <summary>Feature column: a known-size vector of Single. Default "Features".</summary>
        public string FeatureColumnName = "Features";

        /// <summary>Widths of the hidden layers; empty for a linear model. Default { 64 }.</summary>
        public int[] HiddenLayers = { 64 };
        /// <summary>Hidden activation. Default tanh.</summary>
        public Activation Activation = Activation.Tanh;

        /// <summary>Base optimizer direction. Default Adam (CDAT then scales Adam's update; no learning rate to tune).</summary>
        public CdatDirection Direction = CdatDirection.Adam;
        /// <summary>Momentum μ of <see cref="CdatDirection.Momentum"/>. Default 0.9.</summary>
        public double Momentum = 0.9;
        /// <summary>β1 of Adam. Default 0.9.</summary>
        public double Beta1 = 0.9;
        /// <summary>β2 of Adam, decay of RMSProp's second moment when set. Default 0.999.</summary>
        public double Beta2 = 0.999;

        /// <summary>Step-size rule. Default CDAT.</summary>
        public CdatTunerKind Tuner = CdatTunerKind.Cdat;
        /// <summary>
        /// CDAT scale σ: 1 is the greedy step, 2 the edge of stability. Null (default) picks 1.9 in full batch (just below
        /// the edge, which is a knife edge) and 1 in mini-batch (the best σ falls as batches shrink).
        /// </summary>
        public double? Sigma;
        /// <summary>EMA factor β of CDAT's numerator and denominator (0: the instantaneous rule). Default 0.9, which keeps one
        /// odd batch or a collapsing curvature from producing a huge step.</summary>
        public double EmaBeta = 0.9;
        /// <summary>ε added to CDAT's denominator. Default 1e-12.</summary>
        public double Epsilon = 1e-12;
        /// <summary>Largest learning rate: optional cap for CDAT (off by default), cap of Armijo and Polyak (default 10 for them).</summary>
        public double? MaxLearningRate;
        /// <summary>Learning rate of <see cref="CdatTunerKind.Constant"/> and peak of <see cref="CdatTunerKind.Schedule"/>. Default 0.1.</summary>
        public double LearningRate = 0.1;
        /// <summary>Warm-up steps of <see cref="CdatTunerKind.Schedule"/>. Default 0.</summary>
        public int WarmupSteps;
        /// <summary>Parameters of <see cref="CdatTunerKind.Armijo"/>. Default optax's.</summary>
        public ArmijoPreset ArmijoPreset = ArmijoPreset.Optax;
        /// <summary>Scaling c of <see cref="CdatTunerKind.Polyak"/>. Default 1.</summary>
        public double PolyakC = 1.0;
        /// <summary>Replaces the tuner chosen above with your own (called once per training).</summary>
        public Func<ILearningRateTuner>? CustomTuner;

        /// <summary>Rows per mini-batch; null (default) trains in full batch.</summary>
        public int? BatchSize;
        /// <summary>Passes over the data (full batch: steps). Default 300.</summary>
        public int MaxEpochs = 300;
        /// <summary>Total steps; overrides <see cref="MaxEpochs"/> when set.</summary>
        public long? MaxSteps;
        /// <summary>Regression: train on standardised labels and fold the scaling back into the output layer. Default true.</summary>
        public bool StandardizeLabel = true;
        /// <summary>L2 penalty λ: the loss gains ½λ‖w‖². Default 0.</summary>
        public double WeightDecay;
        /// <summary>
        /// End training with a running average of the weights, of decay β in (0, 1) (0.999 averages about the last 1000
        /// steps); it smooths the noise of mini-batch steps. Null (default) keeps the last weights.
        /// </summary>
        public double? WeightAverageDecay;

        /// <summary>Measure the sharpness every this many steps (0, the default: never).</summary>
        public int SharpnessEvery;
        /// <summary>Measure uᵀHu every this many steps and extrapolate in between (1, the default: every step).</summary>
        public int CurvatureEvery = 1;
        /// <summary>Measure uᵀHu on this many random rows of the batch (null, the default: the whole batch).</summary>
        public long? CurvatureSubsampleRows;

        /// <summary>Validation data, scored during training; with it the best weights seen are kept.</summary>
        public IDataView? ValidationSet;
        /// <summary>Stop when the validation loss has not improved for this many evaluations; null (default) never.</summary>
        public int? EarlyStoppingPatience;
        /// <summary>Evaluate the validation loss every this many steps; null: each epoch (mini-batch) or every 10 steps (full batch).</summary>
        public int? ValidationEvery;

        /// <summary>Device: "cpu" (default), "cuda", "cuda:N", or "auto" (CUDA when available, else CPU with a log line).</summary>
        public string Device = "cpu";
        /// <summary>Train in float64 instead of float32. Default false.</summary>
        public bool UseFloat64;
        /// <summary>Seed of the initial weights and the batch order; null (default) draws it from the MLContext's seed.</summary>
        public int? Seed;
        /// <summary>Above this many bytes of training data, mini-batches are streamed from the IDataView instead of held in memory. Default 1 GiB.</summary>
        public long MemoryBudgetBytes = 1L << 30;

        /// <summary>Receives every step's record.</summary>
        public IProgress<StepRecord>? Progress;
        /// <summary>
        /// Stops training: between steps and inside sharpness measurements, the model then holds the best (or last good)
        /// weights; before the first step (while the data is read), <c>Fit</c> throws <see cref="OperationCanceledException"/>.
        /// </summary>
        public CancellationToken CancellationToken;
        /// <summary>Write a line to <c>MLContext.Log</c> every this many steps (and at the end); 0 only at the end. Default 100.</summary>
        public int LogEvery = 100;

        internal void Validate()
        {
            Require(!string.IsNullOrWhiteSpace(LabelColumnName), nameof(LabelColumnName), "must name a column");
            Require(!string.IsNullOrWhiteSpace(FeatureColumnName), nameof(FeatureColumnName), "must name a column");
            Require(HiddenLayers is not null && HiddenLayers.All(h => h > 0), nameof(HiddenLayers), "must be positive widths (empty for a linear model)");
            Require(Enum.IsDefined(Activation), nameof(Activation), "is not a known activation");
            Require(Enum.IsDefined(Direction), nameof(Direction), "is not a known direction");
            Require(Enum.IsDefined(Tuner), nameof(Tuner), "is not a known tuner");
            Require(Momentum >= 0 && Momentum < 1, nameof(Momentum), "must lie in [0, 1)");
            Require(Beta1 >= 0 && Beta1 < 1, nameof(Beta1), "must lie in [0, 1)");
            Require(Beta2 >= 0 && Beta2 < 1, nameof(Beta2), "must lie in [0, 1)");
            Require(Sigma is null || (double.IsFinite(Sigma.Value) && Sigma > 0), nameof(Sigma), "must be greater than 0");
            Require(EmaBeta >= 0 && EmaBeta < 1, nameof(EmaBeta), "must lie in [0, 1)");
            Require(double.IsFinite(Epsilon) && Epsilon >= 0, nameof(Epsilon), "must be ≥ 0");
            // A rate the weights' float type cannot hold would fail inside libtorch.
            double largest = UseFloat64 ? double.MaxValue : float.MaxValue;
            Require(MaxLearningRate is null || (double.IsFinite(MaxLearningRate.Value) && MaxLearningRate > 0 && MaxLearningRate <= largest), nameof(MaxLearningRate),
                    $"must be greater than 0 and at most {largest:G3} (the largest {(UseFloat64 ? "float64" : "float32")})");
            Require(double.IsFinite(LearningRate) && LearningRate > 0 && LearningRate <= largest, nameof(LearningRate),
                    $"must be greater than 0 and at most {largest:G3} (the largest {(UseFloat64 ? "float64" : "float32")})");
            Require(WarmupSteps >= 0, nameof(WarmupSteps), "must be ≥ 0");
            Require(Tuner != CdatTunerKind.Schedule || WarmupSteps < int.MaxValue, nameof(WarmupSteps), $"must be below {int.MaxValue} for the Schedule tuner");
            Require(Enum.IsDefined(ArmijoPreset), nameof(ArmijoPreset), "is not a known preset");
            Require(double.IsFinite(PolyakC) && PolyakC > 0, nameof(PolyakC), "must be greater than 0");
            Require(BatchSize is null || BatchSize > 0, nameof(BatchSize), "must be greater than 0 (or null for full batch)");
            Require(MaxEpochs > 0, nameof(MaxEpochs), "must be greater than 0");
            Require(MaxSteps is null || MaxSteps > 0, nameof(MaxSteps), "must be greater than 0");
            Require(double.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), "must be ≥ 0");
            Require(WeightAverageDecay is null || (WeightAverageDecay > 0 && WeightAverageDecay < 1), nameof(WeightAverageDecay), "must lie strictly between 0 and 1 (or null for none)");
            Require(SharpnessEvery >= 0, nameof(SharpnessEvery), "must be ≥ 0 (0 turns it off)");
            Require(CurvatureEvery > 0, nameof(CurvatureEvery), "must be greater than 0");
            Require(CurvatureSubsampleRows is null || CurvatureSubsampleRows > 0, nameof(CurvatureSubsampleRows), "must be greater than 0");
            Require(EarlyStoppingPatience is null || EarlyStoppingPatience > 0, nameof(EarlyStoppingPatience), "must be greater than 0");
            Require(EarlyStoppingPatience is null || ValidationSet is not null, nameof(EarlyStoppingPatience), "needs a ValidationSet");
            Require(ValidationEvery is null || ValidationEvery > 0, nameof(ValidationEvery), "must be greater than 0");
            Require(MemoryBudgetBytes > 0, nameof(MemoryBudgetBytes), "must be greater than 0");
            Require(LogEvery >= 0, nameof(LogEvery), "must be ≥ 0");
            try { Devices.Resolve(Device == "auto" ? "cpu" : Device); }
            catch (ArgumentException e) { throw new ArgumentOutOfRangeException(nameof(Device), Device, e.Message); }
        }

        private static void Require(bool condition, string option, string rule)
        {
            if (!condition) throw new ArgumentOutOfRangeException(option, $"Cdat option {option} {rule}.");
        }
    }

    private readonly IHostEnvironment? _environment;

    internal CdatTrainer(IHostEnvironment? environment, CdatTask task, Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _environment = environment;
        Task = task;
        TrainerOptions = options;
    }

    /// <summary>Creates a trainer for <paramref name="task"/>; the catalog methods (<c>mlContext.Regression.Trainers.Cdat</c> ...) are the usual way.</summary>
    public CdatTrainer(MLContext mlContext, CdatTask task, Options? options = null)
        : this((IHostEnvironment)(mlContext ?? throw new ArgumentNullException(nameof(mlContext))), task, options ?? new Options()) { }

    /// <summary>The task.</summary>
    public CdatTask Task { get; }
    /// <summary>The settings.</summary>
    public Options TrainerOptions { get; }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var features = inputSchema.FirstOrDefault(c => c.Name == TrainerOptions.FeatureColumnName);
        if (features.Name is null)
            throw new ArgumentException($"The input has no feature column '{TrainerOptions.FeatureColumnName}'.", "featureColumnName");
        if (features.Kind != SchemaShape.Column.VectorKind.Vector || features.ItemType != NumberDataViewType.Single)
            throw new ArgumentException($"Feature column '{features.Name}' must be a known-size vector of Single.", "featureColumnName");
        // Output columns can only be described by the same public estimators the model is saved as.
        var placeholder = Placeholder();
        return ScoringPipeline.Build(placeholder, TrainerOptions.FeatureColumnName, inputSchema.Select(c => c.Name)).GetOutputSchema(inputSchema);
    }

    /// <inheritdoc/>
    public CdatTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = TrainerOptions;
        // As ML.NET's trainers do after MLContext.CancelExecution: a cancelled Fit throws rather than return an untrained model.
        o.CancellationToken.ThrowIfCancellationRequested();
        using var channel = _environment?.Start("CdatTrainer");
        var columns = LabeledColumns.Resolve(input.Schema, o.FeatureColumnName, o.LabelColumnName, Task);
        var classNames = UsableClassNames(columns.ClassNames, channel);
        if (o.ValidationSet is not null)
        {
            var v = LabeledColumns.Resolve(o.ValidationSet.Schema, o.FeatureColumnName, o.LabelColumnName, Task, "validation");
            if (v.FeatureCount != columns.FeatureCount)
                throw new ArgumentException($"The validation set's feature column '{o.FeatureColumnName}' has {v.FeatureCount} values; the training data has {columns.FeatureCount}.", nameof(o.ValidationSet));
            if (v.ClassCount != columns.ClassCount)
                throw new ArgumentException($"The validation set's label '{o.LabelColumnName}' has {v.ClassCount} classes; the training data has {columns.ClassCount}.", nameof(o.ValidationSet));
        }

        int seed = o.Seed ?? _environment?.Register("CdatTrainer").Rand.Next() ?? 0;
        var dtype = o.UseFloat64 ? ScalarType.Float64 : ScalarType.Float32;
        string device = ResolveDevice(o.Device, channel);

        var training = DataViewLoader.Load(input, columns, o.BatchSize, seed, o.MemoryBudgetBytes, dropLast: false, dtype,
                                           standardizeLabel: o.StandardizeLabel, cancellationToken: o.CancellationToken);
        IBatchSource? validation = null;
        try
        {
            if (o.ValidationSet is not null)
            {
                var v = LabeledColumns.Resolve(o.ValidationSet.Schema, o.FeatureColumnName, o.LabelColumnName, Task, "validation");
                (v.LabelOffset, v.LabelScale) = (columns.LabelOffset, columns.LabelScale);
                validation = DataViewLoader.Load(o.ValidationSet, v, batchSize: null, seed, long.MaxValue, dropLast: false, dtype, "validation",
                                                 cancellationToken: o.CancellationToken);
            }
            channel?.Info(MessageSensitivity.None, FormattableString.Invariant(
                $"Cdat: training {Task} on {training.Rows} rows × {columns.FeatureCount} features ({(training.IsFullBatch ? "full batch" : $"batches of {o.BatchSize}")}) on {device}."));
            int outputs = Task == CdatTask.MulticlassClassification ? columns.ClassCount : 1;
            var spec = new MultilayerPerceptron(columns.FeatureCount, o.HiddenLayers, outputs, o.Activation);
            using var scope = torch.NewDisposeScope();
            var network = spec.Build(seed, dtype);
            using var direction = CreateDirection(o);
            var tuner = CreateTuner(o, training.IsFullBatch, o.MaxSteps ?? (long)o.MaxEpochs * training.BatchesPerEpoch);
            var loop = new TrainingLoop(network, LossFor(Task), direction, tuner, new TrainingOptions
            {
                Epochs = o.MaxEpochs,
                MaxSteps = o.MaxSteps,
                Seed = seed,
                Device = device,
                WeightDecay = o.WeightDecay,
                WeightAverageDecay = o.WeightAverageDecay,
                ValidationEvery = o.ValidationEvery,
                EarlyStoppingPatience = o.EarlyStoppingPatience,
                Optimizer = new OptimizerOptions
                {
                    SharpnessEvery = o.SharpnessEvery,
                    CurvatureEvery = o.CurvatureEvery,
                    CurvatureSubsampleRows = o.CurvatureSubsampleRows,
                    Seed = seed,
                },
            });

            var clock = Stopwatch.StartNew();
            var result = loop.Run(training, validation, new Reporter(o.Progress, channel, o.LogEvery), o.CancellationToken);
            clock.Stop();
            if (result.StopReason == StopReason.Cancelled && result.Steps.Count == 0) o.CancellationToken.ThrowIfCancellationRequested();

            var weights = ToWeights(loop.Network, o.Activation, columns.LabelOffset, columns.LabelScale);
            if (!weights.IsFinite())
                throw new InvalidOperationException("Training produced non-finite weights that could not be rolled back; try a smaller Sigma, a learning-rate cap or standardised features.");
            var metrics = CdatTrainingMetrics.From(result, clock.Elapsed.TotalSeconds, tuner.Name, direction.Name, device);
            channel?.Info(MessageSensitivity.None, "Cdat: " + metrics);
            if (result.RolledBack && result.StopReason == StopReason.Diverged)
                channel?.Warning(MessageSensitivity.None, FormattableString.Invariant(
                    $"Cdat: training diverged ({result.Divergence}); the weights were rolled back to those after step {result.RestoredStep} (loss {result.RestoredLoss:G4}). Try a smaller Sigma, a MaxLearningRate or standardised features."));
            else if (result.RolledBack)
                channel?.Warning(MessageSensitivity.None, FormattableString.Invariant(
                    $"Cdat: {result.Divergence}; the model holds the weights after step {result.RestoredStep} (loss {result.RestoredLoss:G4}) instead of the last ones."));

            var model = new CdatModelParameters(Task, weights, classNames, metrics);
            var pipeline = ScoringPipeline.Build(model, o.FeatureColumnName, input.Schema.Select(c => c.Name)).Fit(input);
            return new CdatTransformer(model, pipeline, o.FeatureColumnName, columns.Features.Type, result.Steps);
        }
        finally
        {
            (training as IDisposable)?.Dispose();
            (validation as IDisposable)?.Dispose();
        }
    }

    private static ILoss LossFor(CdatTask task) => task switch
    {
        CdatTask.Regression => Losses.SquaredError,
        CdatTask.BinaryClassification => Losses.BinaryLogistic,
        _ => Losses.SoftmaxCrossEntropy,
    };

    private static IDirection CreateDirection(Options o) => o.Direction switch
    {
        CdatDirection.Momentum => new MomentumDirection(o.Momentum),
        CdatDirection.RmsProp => new RmsPropDirection(),
        CdatDirection.Adam => new AdamDirection(o.Beta1, o.Beta2),
        _ => new GradientDescentDirection(),
    };

    private static ILearningRateTuner CreateTuner(Options o, bool fullBatch, long totalSteps)
    {
        if (o.CustomTuner is not null)
            return o.CustomTuner() ?? throw new InvalidOperationException("Options.CustomTuner returned null.");
        return o.Tuner switch
        {
            CdatTunerKind.QuadraticallyGreedy => CdatTuner.QuadraticallyGreedy(o.Epsilon),
            CdatTunerKind.Constant => new ConstantTuner(o.LearningRate),
            CdatTunerKind.Schedule => new ScheduleTuner(o.LearningRate, o.WarmupSteps, ScheduleShape.Cosine, ScheduleLength(o, totalSteps)),
            CdatTunerKind.Armijo => ArmijoTuner.FromPreset(o.ArmijoPreset, o.MaxLearningRate ?? 10.0),
            CdatTunerKind.Polyak => new PolyakTuner(c: o.PolyakC, maxLearningRate: o.MaxLearningRate ?? 10.0),
            _ => new CdatTuner(o.Sigma ?? (fullBatch ? 1.9 : 1.0), o.EmaBeta, o.Epsilon, o.MaxLearningRate),
        };
    }

    /// <summary>The schedule's length in steps, which it counts in an int.</summary>
    private static int ScheduleLength(Options o, long totalSteps)
    {
        long length = Math.Max(o.WarmupSteps + 1L, totalSteps);
        if (length > int.MaxValue)
            throw new ArgumentOutOfRangeException(o.MaxSteps is null ? nameof(Options.MaxEpochs) : nameof(Options.MaxSteps), length,
                $"Cdat option {(o.MaxSteps is null ? nameof(Options.MaxEpochs) : nameof(Options.MaxSteps))} gives {length} steps; the Schedule tuner runs at most {int.MaxValue}.");
        return (int)length;
    }

    private static string ResolveDevice(string device, IChannel? channel)
    {
        if (!string.Equals(device?.Trim(), "auto", StringComparison.OrdinalIgnoreCase)) return device!.Trim().ToLowerInvariant();
        if (torch.cuda.is_available()) return "cuda";
        channel?.Info(MessageSensitivity.None, "Cdat: Device 'auto': CUDA is not available, training on the CPU.");
        return "cpu";
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
    /// y = scale·(W·h + b) + offset.
    /// </summary>
    internal static MlpWeights ToWeights(nn.Module<Tensor, Tensor> network, Activation activation, double offset = 0, double scale = 1)
    {
        var weights = MlpWeights.FromNetwork(network, activation);
        if (offset == 0 && scale == 1) return weights;
        var layers = weights.Layers.ToArray();
        var last = layers[^1];
        layers[^1] = new DenseLayer(last.Inputs, last.Outputs,
            last.Weight.Select(v => (float)(v * scale)).ToArray(), last.Bias.Select(v => (float)(v * scale + offset)).ToArray());
        return new MlpWeights(layers, activation);
    }

    private CdatModelParameters Placeholder()
    {
        int outputs = Task == CdatTask.MulticlassClassification ? 2 : 1;
        var layer = new DenseLayer(1, outputs, new float[outputs], new float[outputs]);
        var names = Task == CdatTask.MulticlassClassification ? new[] { "__placeholder0", "__placeholder1" } : Array.Empty<string>();
        var metrics = new CdatTrainingMetrics(0, 0, null, 0, 0, 0, 0, null, null, 0, 0, false, false, "", 0, "", "", "");
        return new CdatModelParameters(Task, new MlpWeights(new[] { layer }, Activation.Tanh), names, metrics);
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
}
