using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Objectives;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Training;

/// <summary>
/// Trains a network on in-memory tensors with a direction and a tuner, in full batch or seeded shuffled
/// mini-batches. Every step runs in its own dispose scope; progress and cancellation are honoured between steps.
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
    }

    /// <summary>The network being trained (moved to the options' device by <see cref="Run"/>).</summary>
    public nn.Module<Tensor, Tensor> Network { get; private set; }
    /// <summary>The loss.</summary>
    public ILoss Loss { get; }
    /// <summary>The base direction.</summary>
    public IDirection Direction { get; }
    /// <summary>The step-size rule.</summary>
    public ILearningRateTuner Tuner { get; }
    /// <summary>Settings.</summary>
    public TrainingOptions Options { get; }

    /// <summary>Trains on <paramref name="features"/> and <paramref name="targets"/> (first dimension = rows).</summary>
    /// <param name="features">Inputs.</param>
    /// <param name="targets">Targets in the loss's encoding.</param>
    /// <param name="progress">Receives every step's record.</param>
    /// <param name="cancellationToken">Stops training between steps; the result then says <see cref="StopReason.Cancelled"/>.</param>
    public TrainingResult Run(Tensor features, Tensor targets, IProgress<StepRecord>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        long rows = features.shape[0];
        if (rows == 0) throw new ArgumentException("The training data has no rows.", nameof(features));
        if (targets.shape[0] != rows) throw new ArgumentException($"features has {rows} rows but targets has {targets.shape[0]}.", nameof(targets));

        var device = Devices.Resolve(Options.Device);
        Network = Network.to(device);
        using var x = features.to(device);
        using var y = targets.to(device);

        int batch = (int)Math.Min(Options.BatchSize ?? rows, rows);
        bool fullBatch = batch == rows;
        int stepsPerEpoch = (int)(Options.DropLastPartialBatch ? rows / batch : (rows + batch - 1) / batch);
        long totalSteps = Options.MaxSteps ?? (long)Options.Epochs * stepsPerEpoch;

        using var optimizer = new CurvatureAwareOptimizer(Network.parameters(), Direction, Tuner, Options.Optimizer);
        using var generator = new Generator((ulong)Options.Seed);
        var fullObjective = new SupervisedObjective(Network, Loss, x, y, Options.ChunkRows);
        // Mini-batch: the sharpness is measured on one fixed random subset, so measurements are comparable over time.
        SupervisedObjective? sharpnessSubset = null;
        if (!fullBatch && Options.Optimizer.SharpnessEvery > 0 && Options.SharpnessRows < rows)
        {
            using var subsetScope = torch.NewDisposeScope();
            sharpnessSubset = (SupervisedObjective)fullObjective.Subsample(Options.SharpnessRows, generator);
            sharpnessSubset.Features.DetachFromDisposeScope();
            sharpnessSubset.Targets.DetachFromDisposeScope();
        }
        IObjective sharpnessObjective = sharpnessSubset ?? (IObjective)fullObjective;

        var records = new List<StepRecord>((int)Math.Min(totalSteps, 1 << 20));
        var reason = StopReason.Completed;
        int nonFinite = 0;
        Tensor? order = null;
        try
        {
            for (long step = 0; step < totalSteps; step++)
            {
                if (cancellationToken.IsCancellationRequested) { reason = StopReason.Cancelled; break; }
                int epoch = (int)(step / stepsPerEpoch) + 1, index = (int)(step % stepsPerEpoch);

                StepRecord record;
                if (fullBatch)
                {
                    record = optimizer.Step(fullObjective, sharpnessObjective, epoch, stepsPerEpoch);
                }
                else
                {
                    if (index == 0)
                    {
                        order?.Dispose();
                        order = torch.randperm(rows, generator: generator).to(device).DetachFromDisposeScope();
                    }
                    using var scope = torch.NewDisposeScope();
                    long start = (long)index * batch, length = Math.Min(batch, rows - start);
                    var take = order!.narrow(0, start, length);
                    var objective = new SupervisedObjective(Network, Loss, x.index_select(0, take), y.index_select(0, take), Options.ChunkRows);
                    record = optimizer.Step(objective, sharpnessObjective, epoch, stepsPerEpoch);
                }

                nonFinite = double.IsFinite(record.Loss) ? 0 : nonFinite + 1;
                if (nonFinite >= Options.DivergencePatience)
                {
                    record = record with { Flags = record.Flags | StepFlags.Diverged };
                    reason = StopReason.Diverged;
                }
                records.Add(record);
                progress?.Report(record);
                if (reason == StopReason.Diverged) break;
            }
        }
        finally
        {
            order?.Dispose();
            sharpnessSubset?.Features.Dispose();
            sharpnessSubset?.Targets.Dispose();
        }
        return new TrainingResult(records, reason);
    }
}
