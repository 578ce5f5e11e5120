using Cdat.ML.Batches;
using System.Globalization;
using Cdat.ML.Data;
using Cdat.ML.Directions;
using Cdat.ML.MLNet;
using Cdat.ML.Networks;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML;

// Small data: k networks, each stopped early on its own held-out fold, averaged into one.
public sealed partial class CdatTrainer
{
    /// <summary>Below this many rows not even folds are held out: one network trains its whole budget on every row.</summary>
    internal const long MinRowsForFolds = 40;

    /// <summary>
    /// Whether the data train the fold ensemble on every row: small in-memory data that fits one batch. From 200 rows on,
    /// where a tenth could be held out, only where the plan's own full batch keeps the dense folds small, and not where
    /// the user asked for held-out rows (a ValidationFraction of their own). A batch size the user sets does not change
    /// this: the folds train in mini-batches of that size.
    /// </summary>
    private bool TrainsFolds(RowsRead read, int features)
    {
        var o = TrainerOptions;
        bool wantsHoldout = o.ValidationFraction != new Options().ValidationFraction;
        bool small = read.Rows < MinRowsForHoldout
                     || (read.Rows <= o.SmallDataRows && TrainingPlan.PrefersFullBatch(read.Rows, features) && !wantsHoldout);
        // A batch size the user sets is the folds' own: it does not take the small-data rule away.
        return small && !read.Streamed && o.SmallDataFolds >= 2 && read.Rows >= MinRowsForFolds;
    }

    /// <summary>The folds train in full batch unless the user set a batch size smaller than a fold's rows (of <paramref name="rows"/> in all).</summary>
    private int? FoldBatchSize(long rows, int features) =>
        TrainingPlan.BatchSizeFor(TrainerOptions.BatchSize, rows - rows / Math.Max(1, TrainerOptions.SmallDataFolds), features);

    /// <summary>
    /// One fold network's plan: it trains on <paramref name="rows"/> and stops early on its own held-out fold; its L2
    /// penalty is the ensemble's, set by the <paramref name="givenRows"/> all folds share.
    /// </summary>
    private TrainingPlan FoldPlan(long rows, int features, int? batchSize, long givenRows)
    {
        var o = TrainerOptions;
        return TrainingPlan.For(rows, features, batchSize, o.MaxEpochs, o.MaxSteps, o.ValidationEvery, o.EarlyStoppingPatience, hasValidation: true,
                                squaredError: Task == CdatTask.Regression, o.Direction.AveragesOwnWeights ? 0 : o.WeightAverageDecay, PlateauFactor)
            with { WeightDecay = PenaltyFor(givenRows) };
    }

    /// <summary>The plateau's rate factor: the user's, else the regime's (none for a direction that sets its own step length).</summary>
    private double? PlateauFactor => TrainerOptions.PlateauRateFactor ?? (TrainerOptions.Direction.SetsOwnStepLength ? 1 : null);

    /// <summary>The L2 penalty: the user's, else the rule's for <paramref name="givenRows"/> rows given to Fit.</summary>
    private double PenaltyFor(long givenRows) => TrainerOptions.WeightDecay ?? TrainingPlan.WeightDecayFor(givenRows);

    /// <summary>A training loop for <paramref name="plan"/> with a fresh network, direction and tuner; the caller disposes the direction.</summary>
    private (TrainingLoop Loop, IDirection Direction, ILearningRateTuner Tuner) CreateLoop(MultilayerPerceptron spec, long seed, ScalarType dtype, string device,
                                                                                        TrainingPlan plan, IBatchSource training)
    {
        var o = TrainerOptions;
        var network = spec.Build(seed, dtype);
        var direction = o.Direction.Create();
        var tuner = o.Tuner.Create(new RuleContext(plan.Sigma, plan.MaxSteps ?? (long)plan.Epochs * training.BatchesPerEpoch,
                                                   o.MaxSteps is null ? nameof(Options.MaxEpochs) : nameof(Options.MaxSteps)));
        var loop = new TrainingLoop(network, LossFor(Task, o.ExampleWeightColumnName is not null), direction, tuner, plan.EngineOptions(o, seed, device, ValidationMetrics.For(Task)));
        return (loop, direction, tuner);
    }

    /// <summary>The columns of the features as they are, where <paramref name="scaler"/> encodes them (each leads its feature's columns); else null.</summary>
    private static long[]? PlainColumns(Scoring.FeatureScaler? scaler) =>
        scaler?.Encoding is { } bins ? Enumerable.Range(0, bins.InputCount).Select(j => (long)bins.OutputStart(j)).ToArray() : null;

    /// <summary>The same scaling without its bins.</summary>
    private static Scoring.FeatureScaler? WithoutBins(Scoring.FeatureScaler? scaler) =>
        scaler is null ? null : new Scoring.FeatureScaler(scaler.Center.ToArray(), scaler.Factor.ToArray(), scaler.ClipBound);

    /// <summary>
    /// What the folds trained: each network's layers, the first fold's run (for the metrics and trace; Cancelled if the
    /// ensemble was), a description, their batch size (null: full batch), the factor on the merged logits (1/T), their
    /// mean held-out loss, and whether they read the encoded features.
    /// </summary>
    private sealed record FoldRuns(IReadOnlyList<IReadOnlyList<LayerArrays>> Members, TrainingResult First, string Tuner, string Direction, bool UsesCurvature,
                                   string Describe, int? BatchSize, double LogitFactor, double HeldOutLoss, bool Encoded = true);

    /// <summary>
    /// Trains one network per fold of the (full-batch, in-memory) training rows, each on the other folds and stopped early
    /// on its own, from its own initial weights; null when a fold could not be held out. Where the rows hold encoded
    /// features (<paramref name="plainColumns"/>: the columns of the features as they are), a second ensemble trains on
    /// those columns alone, and the one whose folds' held-out loss is lower is kept: the bins are used where they help.
    /// </summary>
    private FoldRuns? TrainFolds(IBatchSource training, MultilayerPerceptron spec, int folds, int seed, ScalarType dtype, string device,
                                 IProgress<Diagnostics.StepRecord> progress, long[]? plainColumns)
    {
        long n = training.Rows;
        if (folds < 2 || n < folds * 2) return null;
        using var scope = torch.NewDisposeScope();
        var (allX, allY) = training.Batches(1, CPU).First();
        // A sparse batch that trains in full batch (at most 2^18 values, or under 200 rows) is small enough to fold densely.
        var x = allX.is_sparse ? allX.to_dense() : allX;
        var encoded = TrainFolds(x, allY, spec, folds, seed, dtype, device, progress);
        if (plainColumns is null || encoded.First.StopReason == StopReason.Cancelled) return encoded;
        // Cancelled during the second ensemble: the finished first one is kept, as a cancelled ensemble keeps its finished folds.
        var cancelled = encoded with { First = encoded.First with { StopReason = StopReason.Cancelled } };
        if (TrainerOptions.CancellationToken.IsCancellationRequested) return cancelled;
        using var plainIndex = torch.tensor(plainColumns);
        FoldRuns plain;
        try
        {
            plain = TrainFolds(x.index_select(1, plainIndex), allY, spec with { InputSize = plainColumns.Length }, folds, seed, dtype, device, progress);
        }
        catch (OperationCanceledException)
        {
            return cancelled;
        }
        if (plain.First.StopReason == StopReason.Cancelled) return cancelled;
        bool keep = !(plain.HeldOutLoss < encoded.HeldOutLoss);
        var chosen = keep ? encoded : plain with { Encoded = false };
        return chosen with
        {
            Describe = chosen.Describe + string.Create(CultureInfo.InvariantCulture,
                $", {(keep ? "with" : "without")} the numeric features' bins (held-out loss {encoded.HeldOutLoss:G4} with them, {plain.HeldOutLoss:G4} without)"),
        };
    }

    private FoldRuns TrainFolds(Tensor x, Tensor allY, MultilayerPerceptron spec, int folds, int seed, ScalarType dtype, string device, IProgress<Diagnostics.StepRecord> progress)
    {
        var o = TrainerOptions;
        long n = x.shape[0];
        int? batchSize = FoldBatchSize(n, spec.InputSize);
        var order = Enumerable.Range(0, (int)n).ToArray();
        new Random((int)(seed & int.MaxValue) ^ 0xf01d).Shuffle(order);
        var members = new List<IReadOnlyList<LayerArrays>>();
        // A classifier's temperature is fitted on the folds' held-out logits: every row, scored by a network that did not see it.
        var outOfFold = Task != CdatTask.Regression && (o.TemperatureScaling ?? TrainingPlan.FoldTemperature) ? new TemperatureScaling.Logits() : null;
        var steps = new List<int>();
        double heldOutLoss = 0;
        bool inMiniBatches = false;
        TrainingResult? first = null;
        string tunerName = "", directionName = "";
        bool usesCurvature = false;
        for (int f = 0; f < folds; f++)
        {
            using var foldScope = torch.NewDisposeScope();
            long[] held = order.Where((_, i) => i % folds == f).Select(i => (long)i).Order().ToArray();
            long[] kept = order.Where((_, i) => i % folds != f).Select(i => (long)i).Order().ToArray();
            using var heldIndex = torch.tensor(held);
            using var keptIndex = torch.tensor(kept);
            using var fit = new TensorBatches(x.index_select(0, keptIndex), allY.index_select(0, keptIndex), batchSize, seed);
            using var check = new TensorBatches(x.index_select(0, heldIndex), allY.index_select(0, heldIndex), null, seed);
            var plan = FoldPlan(fit.Rows, spec.InputSize, fit.IsFullBatch ? null : batchSize, n);
            inMiniBatches |= !fit.IsFullBatch;
            var (loop, direction, tuner) = CreateLoop(spec, seed + f, dtype, device, plan, fit);
            using (direction)
            {
                var result = loop.Run(fit, check, progress, o.CancellationToken);
                bool cancelled = result.StopReason == StopReason.Cancelled;
                // A cancelled ensemble keeps the folds it finished (a partly trained one would only dilute them); cancelled
                // in its first fold, it keeps that fold's steps, as one network's run does.
                if (cancelled && (members.Count > 0 || result.Steps.Count == 0))
                {
                    if (members.Count == 0) o.CancellationToken.ThrowIfCancellationRequested();
                    first = first! with { StopReason = StopReason.Cancelled };
                    break;
                }
                first ??= result;
                (tunerName, directionName, usesCurvature) = (tuner.Name, direction.Name, tuner.UsesCurvature);
                steps.Add(result.Steps.Count);
                // Each fold's best held-out loss, weighted by its rows: the ensemble's out-of-fold loss, up to the averaging.
                heldOutLoss += (result.BestValidationLoss ?? double.PositiveInfinity) * held.Length / n;
                members.Add(MultilayerPerceptron.ReadLayers(loop.Network));
                outOfFold?.Add(loop.Network, check, Task, loop.Device);
                if (cancelled) break;
            }
        }
        string describe = string.Create(CultureInfo.InvariantCulture,
            $", {folds}-fold ensemble ({members.Count} networks{(inMiniBatches ? $" in mini-batches of {batchSize}" : "")}, each stopped early on its own held-out fold of about {n / folds} rows after {string.Join("/", steps)} steps; logits averaged)");
        // Only a whole ensemble's folds cover every row.
        double factor = outOfFold is not null && members.Count == folds ? outOfFold.Fit(Task) : 1;
        if (factor != 1) describe += string.Create(CultureInfo.InvariantCulture, $", probabilities tempered on the out-of-fold logits (T {1 / factor:G3})");
        return new FoldRuns(members, first!, tunerName, directionName, usesCurvature, describe, inMiniBatches ? batchSize : null, factor,
                            members.Count == folds ? heldOutLoss : double.PositiveInfinity);
    }
}
