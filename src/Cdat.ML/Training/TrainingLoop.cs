using Cdat.ML.Batches;
using Cdat.ML.Data;
using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Objectives;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Training;

/// <summary>
/// Trains a network with a direction and a tuner, in full batch or seeded mini-batches, from tensors or any
/// <see cref="IBatchSource"/>. Every step runs in its own dispose scope; between steps it honours cancellation, reports
/// progress, evaluates validation data, stops early, and on divergence (see <see cref="TrainingOptions.DivergencePatience"/>) rolls the
/// weights back to the last good ones.
/// </summary>
public sealed class TrainingLoop
{
    /// <summary>Creates a loop.</summary>
    public TrainingLoop(nn.Module<Tensor, Tensor> network, ILoss loss, IDirection direction, ILearningRateTuner tuner, TrainingOptions? options = null)
    {
        Network = network ?? throw new ArgumentNullException(nameof(network));
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        Direction = direction ?? throw new ArgumentNullException(nameof(direction));
        Tuner = tuner ?? throw new ArgumentNullException(nameof(tuner));
        Options = options ?? new TrainingOptions();
        Options.Validate();
        Device = Devices.Resolve(Options.Device);
    }

    /// <summary>The device training runs on, resolved from <see cref="TrainingOptions.Device"/>.</summary>
    public Device Device { get; }

    /// <summary>The network being trained (moved to the options' device by <c>Run</c>).</summary>
    public nn.Module<Tensor, Tensor> Network { get; private set; }
    /// <summary>The loss.</summary>
    public ILoss Loss { get; }
    /// <summary>The base direction.</summary>
    public IDirection Direction { get; }
    /// <summary>The step-size rule.</summary>
    public ILearningRateTuner Tuner { get; }
    /// <summary>Settings.</summary>
    public TrainingOptions Options { get; }

    /// <summary>
    /// From a progress callback during <c>Run</c>: puts the running average of the weights
    /// (<see cref="TrainingOptions.WeightAverageDecay"/>, or the direction's own <see cref="IDirection.EvaluationWeights"/>)
    /// into the network until the returned handle is disposed, e.g. to evaluate it. Null when no average is kept or no run
    /// is in progress.
    /// </summary>
    public IDisposable? UseAveragedWeights() => _average?.SwapIn();

    private AveragedWeights? _average;

    /// <summary>Trains on in-memory <paramref name="features"/> and <paramref name="targets"/> (first dimension = rows).</summary>
    /// <param name="features">Inputs.</param>
    /// <param name="targets">Targets in the loss's encoding.</param>
    /// <param name="progress">Receives every step's record.</param>
    /// <param name="cancellationToken">Stops training between steps or inside a sharpness measurement (that step is then not taken); the result then says <see cref="StopReason.Cancelled"/>.</param>
    public TrainingResult Run(Tensor features, Tensor targets, IProgress<StepRecord>? progress = null, CancellationToken cancellationToken = default)
    {
        using var source = new TensorBatches(features, targets, Options.BatchSize, Options.Seed, Options.DropLastPartialBatch);
        return Run(source, validation: null, progress, cancellationToken);
    }

    /// <summary>Trains on <paramref name="training"/>, evaluating <paramref name="validation"/> when given.</summary>
    /// <param name="training">Training batches (its batch size wins over <see cref="TrainingOptions.BatchSize"/>).</param>
    /// <param name="validation">Validation batches, or null.</param>
    /// <param name="progress">Receives every step's record.</param>
    /// <param name="cancellationToken">Stops training between steps or inside a sharpness measurement (that step is then not taken); the result then says <see cref="StopReason.Cancelled"/>.</param>
    public TrainingResult Run(IBatchSource training, IBatchSource? validation, IProgress<StepRecord>? progress = null,
                              CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        var device = Device;
        Network = Network.to(device);
        var parameters = Network.parameters().Where(p => p.requires_grad).Select(p => (Tensor)p).ToArray();

        int stepsPerEpoch = training.BatchesPerEpoch;
        if (stepsPerEpoch == 0)
            throw new ArgumentException($"The training data ({training.Rows} rows) yields no batch: the batch size exceeds the rows and the last partial batch is dropped.", nameof(training));
        long totalSteps = Options.MaxSteps ?? (long)Options.Epochs * stepsPerEpoch;
        int validationEvery = Options.ValidationEvery ?? (training.IsFullBatch ? TrainingOptions.FullBatchValidationEvery : stepsPerEpoch);

        using var optimizer = new CurvatureAwareOptimizer(parameters, Direction, Tuner, Options.Optimizer) { CancellationToken = cancellationToken };
        using var guard = new DivergenceGuard(parameters, Options);
        // The rate falls after half the patience without improvement: a plateau's second half is spent at a smaller rate.
        int? decayAfter = Options.PlateauRateFactor is double f && f < 1 ? EarlyStopping.DecayAfter(Options.EarlyStoppingPatience) : null;
        using var stopping = validation is null ? null : new EarlyStopping(parameters, Options.EarlyStoppingPatience, Options.EarlyStoppingMinDelta, decayAfter);
        if (Options.WeightAverageDecay is not null && Direction.EvaluationWeights is not null)
            throw new ArgumentException($"The {Direction.Name} direction averages its own weights: leave {nameof(TrainingOptions.WeightAverageDecay)} unset.", nameof(TrainingOptions.WeightAverageDecay));
        using AveragedWeights? average = Options.WeightAverageDecay is double decay ? new WeightAverage(parameters, decay)
            : Direction.EvaluationWeights is not null ? new DirectionAverage(parameters, Direction) : null;

        // Full batch: one objective for the whole run (its graph also serves the sharpness). Mini-batch: the sharpness
        // is measured on one fixed random subset so that measurements are comparable over time.
        SupervisedObjective? fullObjective = null;
        (Tensor X, Tensor Y)? subset = null;
        if (!training.IsFullBatch && Options.Optimizer.SharpnessEvery > 0)
            subset = training.Subset(Options.SharpnessRows, Options.Seed + 17, device);
        var sharpnessObjective = subset is { } s ? Objective(s.X, s.Y) : null;

        var records = new List<StepRecord>((int)Math.Min(totalSteps, 1 << 20));
        var reason = StopReason.Completed;
        long step = 0;
        try
        {
            _average = average;
            for (int epoch = 1; step < totalSteps && reason == StopReason.Completed; epoch++)
            {
                // Each batch is created inside its step's dispose scope, so mini-batches never outlive their step.
                using var batches = training.Batches(epoch, device).GetEnumerator();
                long epochStart = step;
                while (step < totalSteps)
                {
                    if (cancellationToken.IsCancellationRequested) { reason = StopReason.Cancelled; break; }
                    StepRecord record;
                    using (var scope = torch.NewDisposeScope())
                    {
                        if (!batches.MoveNext()) break;
                        var (x, y) = batches.Current;
                        step++;
                        guard.BeforeStep();
                        var objective = training.IsFullBatch ? fullObjective ??= Objective(x, y) : Objective(x, y);
                        try
                        {
                            record = optimizer.Step(objective, sharpnessObjective ?? objective, epoch, stepsPerEpoch) with { Step = step };
                        }
                        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                        {
                            // Cancelled inside the step: back to the weights it started from (a tuner may have moved them).
                            guard.RestoreStepStart();
                            step--;
                            reason = StopReason.Cancelled;
                            break;
                        }
                    }

                    if (guard.AfterStep(record))
                    {
                        record = record with { Flags = record.Flags | StepFlags.Diverged };
                        reason = StopReason.Diverged;
                    }
                    else if (!guard.Unhealthy)
                    {
                        average?.Update();
                    }

                    // Unhealthy weights are not judged: they must not become the best, nor stop training early.
                    if (stopping is not null && reason == StopReason.Completed && !guard.Unhealthy && (step % validationEvery == 0 || step == totalSteps))
                    {
                        // With averaging, the average is what training would end with, so it is what is judged.
                        using var judged = average?.SwapIn();
                        var (loss, metric) = Validate(validation!, device);
                        record = record with { ValidationLoss = loss, ValidationMetric = metric };
                        // Observe keeps the lowest: a metric (higher is better) is judged by its negative. A check whose
                        // metric is undefined (AUC on one class) does not count, rather than count as no improvement.
                        var verdict = !Options.EarlyStoppingOnMetric ? stopping.Observe(loss, step)
                            : metric is double m && !double.IsNaN(m) ? stopping.Observe(-m, step) : EarlyStopping.Verdict.Continue;
                        if (verdict == EarlyStopping.Verdict.Stop) reason = StopReason.EarlyStopped;
                        else if (verdict == EarlyStopping.Verdict.DecayRate) optimizer.RateScale *= Options.PlateauRateFactor!.Value;
                    }

                    records.Add(record);
                    progress?.Report(record);
                    if (reason != StopReason.Completed) break;
                }
                if (step == epochStart) break;  // the source ran dry
            }
            var result = EndOfRun.ChooseWeights(records, reason, step, guard, stopping, average);
            return result.AveragedWeights && fullObjective is not null && reason != StopReason.Cancelled
                ? result with { AveragedLoss = ObjectiveValue.Of(fullObjective) } : result;
        }
        finally
        {
            _average = null;
            subset?.X.Dispose();
            subset?.Y.Dispose();
        }
    }

    private SupervisedObjective Objective(Tensor x, Tensor y) => new(Network, Loss, x, y, Options.ChunkRows, Options.WeightDecay);

    /// <summary>
    /// Mean loss over all validation rows (no penalty), without gradients, and the task metric over all of them when
    /// one is set.
    /// </summary>
    private (double Loss, double? Metric) Validate(IBatchSource validation, Device device)
    {
        using var scope = torch.NewDisposeScope();
        if (Options.ValidationMetric is { } metric)
        {
            if (ValidationOutputs.Of(Network, validation, device, Options.ChunkRows, Loss) is not { } all) return (double.NaN, null);
            var (outputs, targets, sum) = all;
            return (sum / outputs.shape[0], metric.Compute(outputs, targets));
        }
        using var _ = torch.no_grad();
        double total = 0;
        long rows = 0;
        foreach (var (x, y) in validation.Batches(1, device))
        {
            total += ObjectiveValue.Of(new SupervisedObjective(Network, Loss, x, y, Options.ChunkRows)) * x.shape[0];
            rows += x.shape[0];
        }
        return (rows == 0 ? double.NaN : total / rows, null);
    }
}
