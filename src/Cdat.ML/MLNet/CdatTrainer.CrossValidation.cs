using System.Globalization;
using Cdat.ML.Data;
using Cdat.ML.Directions;
using Cdat.ML.MLNet;
using Cdat.ML.Networks;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML;

// Small data: k-fold cross-validation chooses the step budget, so that the final run on every row is not fitted to saturation.
public sealed partial class CdatTrainer
{
    /// <summary>Folds of the cross-validation that small data (under <see cref="MinRowsForHoldout"/> rows) trains with.</summary>
    internal const int Folds = 5;
    /// <summary>Below this many rows not even folds are held out: training runs its whole budget on every row.</summary>
    internal const long MinRowsForFolds = 40;

    /// <summary>What cross-validation chose: the steps for the run on every row, out of the budget each fold ran.</summary>
    internal sealed record FoldChoice(long Steps, long Budget, int Folds)
    {
        public string Describe() => string.Create(CultureInfo.InvariantCulture, $", {Steps} steps chosen by {Folds}-fold cross-validation (of {Budget})");
    }

    /// <summary>A training loop for <paramref name="plan"/>, with a fresh network, direction and tuner; the caller disposes the direction.</summary>
    private (TrainingLoop Loop, IDirection Direction, ILearningRateTuner Tuner) CreateLoop(MultilayerPerceptron spec, int seed, ScalarType dtype, string device,
                                                                                        TrainingPlan plan, IBatchSource training)
    {
        var o = TrainerOptions;
        var network = spec.Build(seed, dtype);
        var direction = o.Direction.Create();
        var tuner = o.Tuner.Create(new RuleContext(plan.Sigma, plan.MaxSteps ?? (long)plan.Epochs * training.BatchesPerEpoch,
                                                   o.MaxSteps is null ? nameof(Options.MaxEpochs) : nameof(Options.MaxSteps)));
        var loop = new TrainingLoop(network, LossFor(Task), direction, tuner, new TrainingOptions
        {
            Epochs = plan.Epochs,
            MaxSteps = plan.MaxSteps,
            Seed = seed,
            Device = device,
            WeightDecay = o.WeightDecay,
            WeightAverageDecay = plan.AverageDecay,
            ValidationEvery = plan.ValidationEvery,
            EarlyStoppingPatience = plan.Patience,
            Optimizer = new OptimizerOptions
            {
                SharpnessEvery = o.SharpnessEvery,
                CurvatureEvery = o.CurvatureEvery,
                CurvatureSubsampleRows = o.CurvatureSubsampleRows,
                Seed = seed,
            },
        });
        return (loop, direction, tuner);
    }

    /// <summary>
    /// Trains <see cref="Folds"/> times, each time holding one fold of the rows out and scoring it at every validation
    /// check over the whole budget; the steps chosen are those where the mean validation loss over the folds was best
    /// (scanned with the run's patience, as early stopping would). Null when a fold diverged before any check.
    /// </summary>
    private FoldChoice? CrossValidate(IDataView input, LabeledColumns columns, MultilayerPerceptron spec, int features, int seed, ScalarType dtype,
                                      string device, IChannel? channel)
    {
        var o = TrainerOptions;
        var sums = new SortedDictionary<long, (double Sum, int Count)>();
        long budget = 0;
        int? patience = null;
        for (int fold = 0; fold < Folds; fold++)
        {
            int? batchSize = null;
            using var loaded = DataViewLoader.Load(input, columns, rows => batchSize = TrainingPlan.BatchSizeFor(o.BatchSize, rows, features), mayStream: false,
                                                   seed, long.MaxValue, dropLast: false, dtype, standardizeLabel: o.StandardizeLabel,
                                                   holdout: new DataViewLoader.Holdout(0, long.MaxValue, 0, new DataViewLoader.Fold(fold, Folds)),
                                                   cancellationToken: o.CancellationToken);
            var training = loaded.Training;
            // Every fold runs its whole budget, so that the folds' curves can be averaged step by step.
            var plan = TrainingPlan.For(training.Rows, features, training.IsFullBatch ? null : batchSize, o.MaxEpochs, o.MaxSteps, o.ValidationEvery,
                                        patience: 0, hasValidation: true, squaredError: Task == CdatTask.Regression,
                                        o.Direction.AveragesOwnWeights ? 0 : o.WeightAverageDecay);
            patience ??= TrainingPlan.For(training.Rows, features, training.IsFullBatch ? null : batchSize, o.MaxEpochs, o.MaxSteps, o.ValidationEvery,
                                          o.EarlyStoppingPatience, hasValidation: true).Patience ?? int.MaxValue;
            budget = Math.Max(budget, plan.MaxSteps ?? (long)plan.Epochs * training.BatchesPerEpoch);
            using var scope = torch.NewDisposeScope();
            var (loop, direction, _) = CreateLoop(spec, seed, dtype, device, plan, training);
            using (direction)
            {
                var result = loop.Run(training, loaded.HeldOut, null, o.CancellationToken);
                if (result.StopReason == StopReason.Cancelled) o.CancellationToken.ThrowIfCancellationRequested();
                foreach (var step in result.Steps)
                    if (step.ValidationLoss is double v && double.IsFinite(v))
                        sums[step.Step] = sums.TryGetValue(step.Step, out var acc) ? (acc.Sum + v, acc.Count + 1) : (v, 1);
            }
        }
        // Checks every fold reached, in order; the best mean loss, with the patience early stopping would have.
        long best = 0;
        double bestLoss = double.PositiveInfinity;
        int sinceBest = 0;
        foreach (var (step, (sum, count)) in sums)
        {
            if (count < Folds) continue;
            double mean = sum / count;
            if (mean < bestLoss) (best, bestLoss, sinceBest) = (step, mean, 0);
            else if (++sinceBest >= patience) break;
        }
        if (best == 0)
        {
            channel?.Warning(MessageSensitivity.None, "Cdat: cross-validation found no step at which every fold was scored; training runs its whole budget.");
            return null;
        }
        return new FoldChoice(best, budget, Folds);
    }
}
