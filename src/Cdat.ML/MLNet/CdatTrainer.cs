using Cdat.ML.Batches;
using System.Diagnostics;
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
/// | Normalization required | No: the trainer scales each feature robustly itself (`Options.InputScaling`; wide sparse features, such as text n-grams, are used as given) |
/// | Caching required | No (data is read once, then kept as tensors or streamed per epoch) |
/// | Required NuGet in addition to Microsoft.ML | Cdat.ML, TorchSharp-cpu (or a CUDA backend) for training; none extra for scoring |
/// | Exportable to ONNX | Yes: `CdatModel.ConvertToOnnx`, with the ML.NET transforms in front of it |
///
/// ### Training algorithm details
/// Each step computes the base optimizer's update direction u at unit learning rate (gradient descent, momentum,
/// RMSProp or Adam), and the tuner picks the learning rate. CDAT needs uᵀHu, an exact Hessian-vector product by double
/// backward on the same batch. Small data trains in full batch (all rows each step), larger data in mini-batches shuffled
/// with the seed; a tenth of the rows is held out to keep the best weights and stop early (see <see cref="Options"/>).
/// Diagnostics of every step (loss, learning rate, curvature, sharpness, lr·sharpness/2) are in
/// <see cref="CdatTransformer.TrainingTrace"/> and summarised in <see cref="CdatTrainingMetrics"/>.
/// ]]></format>
/// </remarks>
public sealed partial class CdatTrainer : IEstimator<CdatTransformer>
{
    /// <summary>At most this many rows are held out by <see cref="Options.ValidationFraction"/>.</summary>
    internal const long MaxHeldOutRows = 10_000;
    /// <summary>Data of fewer rows holds nothing out.</summary>
    internal const long MinRowsForHoldout = 200;

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
        if (TrainerOptions.ExampleWeightColumnName is { } weightName)
        {
            var weight = inputSchema.FirstOrDefault(c => c.Name == weightName);
            if (weight.Name is null)
                throw new ArgumentException($"The input has no example weight column '{weightName}'.", "exampleWeightColumnName");
            if (weight.Kind != SchemaShape.Column.VectorKind.Scalar || weight.ItemType != NumberDataViewType.Single)
                throw new ArgumentException($"Example weight column '{weightName}' must be a single Single.", "exampleWeightColumnName");
        }
        // Output columns can only be described by the same public estimators the model is saved as.
        var placeholder = Placeholder();
        return ScoringPipeline.Build(placeholder, TrainerOptions.FeatureColumnName, inputSchema.Select(c => c.Name)).GetOutputSchema(inputSchema);
    }

    /// <inheritdoc/>
    public CdatTransformer Fit(IDataView input) => Fit(input, TrainerOptions.ValidationSet, nameof(Options.ValidationSet), null);

    /// <summary>
    /// Trains on <paramref name="trainData"/>, scoring <paramref name="validationData"/> to keep the best weights and stop
    /// early, as LightGbm's and FastTree's <c>Fit(trainData, validationData)</c> do: the same model as
    /// <see cref="Options.ValidationSet"/> = <paramref name="validationData"/> (which it takes the place of).
    /// </summary>
    public CdatTransformer Fit(IDataView trainData, IDataView validationData)
    {
        ArgumentNullException.ThrowIfNull(validationData);
        return Fit(trainData, validationData, nameof(validationData), null);
    }

    private CdatTransformer Fit(IDataView input, IDataView? validationSet, string validationName, CdatModelParameters? start)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = TrainerOptions;
        // The options object stays the caller's: what was changed since the trainer was made is checked again.
        o.Validate();
        // As ML.NET's trainers do after MLContext.CancelExecution: a cancelled Fit throws rather than return an untrained model.
        o.CancellationToken.ThrowIfCancellationRequested();
        using var channel = _environment?.Start("CdatTrainer");
        var columns = LabeledColumns.Resolve(input.Schema, o.FeatureColumnName, o.LabelColumnName, Task, exampleWeightColumnName: o.ExampleWeightColumnName);
        var classNames = UsableClassNames(columns.ClassNames, channel);
        var validationColumns = validationSet is null ? null
            : LabeledColumns.Resolve(validationSet.Schema, o.FeatureColumnName, o.LabelColumnName, Task, "validation", o.ExampleWeightColumnName);
        if (validationColumns is { } v)
        {
            if (v.FeatureCount != columns.FeatureCount)
                throw new ArgumentException($"The validation set's feature column '{o.FeatureColumnName}' has {v.FeatureCount} values; the training data has {columns.FeatureCount}.", validationName);
            if (v.ClassCount != columns.ClassCount)
                throw new ArgumentException($"The validation set's label '{o.LabelColumnName}' has {v.ClassCount} classes; the training data has {columns.ClassCount}.", validationName);
        }

        int outputs = Task == CdatTask.MulticlassClassification ? columns.ClassCount : 1;
        if (start is not null) CheckContinuable(start, columns, classNames);
        var continued = start is null ? null : ShapeOf(start);
        // A continued run reads the rows through the model's input scaling, not one measured again.
        var scaling = start is null ? o.InputScaling : start.Network.InputScaler is null ? InputScaling.None : InputScaling.Robust;
        if (start?.Network.InputScaler is { } kept) columns = columns with { Scaler = kept };
        if (start is not null) WarnIfBinsIgnored(start, channel);
        long stepOffset = start?.TrainingMetrics.Steps ?? 0;

        int seed = o.Seed ?? _environment?.Register("CdatTrainer").Rand.Next() ?? 0;
        var dtype = o.UseFloat64 ? ScalarType.Float64 : ScalarType.Float32;
        string device = ResolveDevice(o.Device, channel);

        var holdout = validationSet is null && o.ValidationFraction > 0 ? new Holdout(o.ValidationFraction, MaxHeldOutRows, MinRowsForHoldout) : null;
        // One pass reads and checks the rows and measures their scalings; the batch size follows from the rows it counted.
        var read = DataViewLoader.Read(input, columns, mayStream: o.BatchSize != Options.FullBatch, seed, o.MemoryBudgetBytes, dtype,
                                       standardizeLabel: o.StandardizeLabel, cancellationToken: o.CancellationToken, scaling: scaling,
                                       bins: o.PiecewiseLinearBins);
        columns = read.Columns;
        // The values a row holds once read (more than the feature column's where features are encoded) size the network.
        int features = columns.InputCount;
        var spec = continued ?? new MultilayerPerceptron(features, o.HiddenLayers, outputs, o.Activation);
        bool trainFolds = start is null && holdout is not null && TrainsFolds(read, features);
        if (trainFolds) holdout = null;
        // The fold ensemble reads every row in one batch and splits it into folds (each with the user's batch size, if set).
        int? batchSize = trainFolds ? null : TrainingPlan.BatchSizeFor(o.BatchSize, read.TrainingRows(holdout), features);
        using var loaded = read.Sources(batchSize, holdout, seed, dropLast: false);
        var training = loaded.Training;
        IBatchSource? given = null;
        try
        {
            if (validationColumns is not null)
            {
                // Validation rows are read as the training rows were: the same label standardisation and input scaling.
                var asTrained = validationColumns with { LabelOffset = columns.LabelOffset, LabelScale = columns.LabelScale, Scaler = columns.Scaler };
                given = DataViewLoader.Read(validationSet!, asTrained, mayStream: false, seed, long.MaxValue, dtype, "validation", cancellationToken: o.CancellationToken)
                    .ValidationSource(seed);
            }
            var validation = given ?? loaded.HeldOut;
            var plan = TrainingPlan.For(training.Rows, features, training.IsFullBatch ? null : batchSize, o.MaxEpochs, o.MaxSteps, o.ValidationEvery,
                                        o.EarlyStoppingPatience, validation is not null, squaredError: Task == CdatTask.Regression,
                                        o.Direction.AveragesOwnWeights ? 0 : o.WeightAverageDecay, PlateauFactor) with { WeightDecay = PenaltyFor(read.Rows) };
            // The folds describe their own batches; the ensemble's rows are read in one.
            var described = trainFolds && FoldBatchSize(training.Rows, features) is int foldBatch
                ? FoldPlan(training.Rows - training.Rows / o.SmallDataFolds, features, foldBatch, read.Rows) : plan;
            string regime = described.Describe(training.Rows, validation?.Rows ?? 0, heldOut: given is null)
                + (loaded.Density is double density ? FormattableString.Invariant($", sparse features ({density:P2} non-zero)") : "")
                + (columns.Scaler is not null ? ", robust input scaling" : "")
                + (columns.Scaler?.Encoding is { } encoding ? FormattableString.Invariant($", {encoding.EncodedCount} numeric features also read over up to {encoding.MaxBins} bins") : "")
                + (columns.WeightsVary ? $", rows weighted by '{o.ExampleWeightColumnName}'" : "");
            channel?.Info(MessageSensitivity.None, FormattableString.Invariant(
                $"Cdat: training {Task} on {columns.FeatureCount} features{(features != columns.FeatureCount ? $" ({features} inputs)" : "")}, {regime}, on {device}{(holdout is not null && loaded.HeldOut is null ? (loaded.Streamed ? "; streamed data: nothing held out, give a ValidationSet" : "; too few rows to hold any out") : "")}."));
            if (o.Direction.SetsOwnStepLength && o.Tuner is not ConstantRule { LearningRate: 1 })
                channel?.Warning(MessageSensitivity.None, $"Cdat: {o.Direction} sets its own step length; it is meant to run with Tuner = new ConstantRule(1), not {o.Tuner}.");
            using var scope = torch.NewDisposeScope();
            var reporter = new Reporter(o.Progress, channel, o.LogEvery);
            var clock = Stopwatch.StartNew();
            // Small data: k networks, each stopped early on its own fold, averaged into one.
            var folds = trainFolds && training.IsFullBatch ? TrainFolds(training, spec, o.SmallDataFolds, seed, dtype, device, reporter, PlainColumns(columns.Scaler)) : null;
            if (folds is not null)
            {
                clock.Stop();
                if (!folds.Encoded) columns = columns with { Scaler = WithoutBins(columns.Scaler) };
                WarnIfNoCurvature(folds.UsesCurvature, channel);
                regime += folds.Describe;
                var merged = LogitAverage.Merge(folds.Members);
                return Finish(Task == CdatTask.Regression
                        ? ToWeights(merged, spec.Activation, columns.LabelOffset, columns.LabelScale, columns.Scaler)
                        : ToWeights(merged, spec.Activation, scale: folds.LogitFactor, inputScaler: columns.Scaler),
                    folds.First, clock.Elapsed.TotalSeconds, folds.Tuner, folds.Direction, new CdatRegime(folds.BatchSize ?? 0, training.Rows, 0, false, regime));
            }
            if (validation is null) RequireNoValidationOptions(o, loaded.Streamed, loaded.Rows);
            var (loop, direction, tuner) = CreateLoop(spec, seed, dtype, device, plan, training);
            using var _ = direction;
            if (start is not null)
            {
                LoadWeights(loop.Network, start, columns.LabelOffset, columns.LabelScale);
                regime += FormattableString.Invariant($", continued from a model of {stepOffset} steps");
            }
            WarnIfNoCurvature(tuner.UsesCurvature, channel);
            var result = loop.Run(training, validation, reporter, o.CancellationToken);
            clock.Stop();
            if (result.StopReason == StopReason.Cancelled && result.Steps.Count == 0) o.CancellationToken.ThrowIfCancellationRequested();

            // A classifier's probabilities are tempered on the validation rows (regression keeps its label scaling instead).
            double factor = o.TemperatureScaling == true && Task != CdatTask.Regression && validation is not null
                ? TemperatureScaling.Fit(loop.Network, validation, Task, loop.Device) : 1;
            if (factor != 1) regime += FormattableString.Invariant($", probabilities tempered on the validation rows (T {1 / factor:G3})");
            var weights = Task == CdatTask.Regression
                ? ToWeights(loop.Network, spec.Activation, columns.LabelOffset, columns.LabelScale, columns.Scaler)
                : ToWeights(loop.Network, spec.Activation, scale: factor, inputScaler: columns.Scaler);
            return Finish(weights, result, clock.Elapsed.TotalSeconds, tuner.Name, direction.Name,
                new CdatRegime(plan.BatchSize ?? 0, training.Rows, validation?.Rows ?? 0, given is null && validation is not null, regime));

            CdatTransformer Finish(MlpWeights weights, TrainingResult result, double seconds, string tunerName, string directionName, CdatRegime described)
            {
                if (!weights.IsFinite())
                    throw new InvalidOperationException("Training produced non-finite weights that could not be rolled back; try a smaller Sigma, a learning-rate cap or standardised features.");
                var trace = stepOffset == 0 ? result.Steps : result.Steps.Select(r => r with { Step = r.Step + stepOffset }).ToArray();
                var metrics = Summarize(result, seconds, tunerName, directionName, device, described, stepOffset, ValidationMetrics.For(Task).Name);
                channel?.Info(MessageSensitivity.None, "Cdat: " + metrics);
                if (result.RolledBack && result.StopReason == StopReason.Diverged)
                    channel?.Warning(MessageSensitivity.None, FormattableString.Invariant(
                        $"Cdat: training diverged ({result.Divergence}); the weights were rolled back to those after step {result.RestoredStep} (loss {result.RestoredLoss:G4}). Try a smaller Sigma, a MaxLearningRate or standardised features."));
                else if (result.RolledBack)
                    channel?.Warning(MessageSensitivity.None, FormattableString.Invariant(
                        $"Cdat: {result.Divergence}; the model holds the weights after step {result.RestoredStep} (loss {result.RestoredLoss:G4}) instead of the last ones."));
                var model = new CdatModelParameters(Task, weights, classNames, metrics);
                var pipeline = ScoringPipeline.Build(model, o.FeatureColumnName, input.Schema.Select(c => c.Name)).Fit(input);
                return new CdatTransformer(model, pipeline, o.FeatureColumnName, columns.Features.Type, trace);
            }
        }
        finally
        {
            (given as IDisposable)?.Dispose();
        }
    }
}
