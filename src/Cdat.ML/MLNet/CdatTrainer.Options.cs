using Cdat.ML.Data;
using Cdat.ML.Diagnostics;
using Cdat.ML.MLNet;
using Cdat.ML.Networks;
using Cdat.ML.Training;
using Microsoft.ML;

namespace Cdat.ML;

public sealed partial class CdatTrainer
{
    /// <summary>
    /// Settings of <see cref="CdatTrainer"/>. With only the column names set, the trainer chooses the regime from the data
    /// (full batch or mini-batches, σ, the step budget) and holds out a tenth of the rows to keep the best weights and stop
    /// early; <see cref="CdatTrainingMetrics.Regime"/> and the log say what it chose.
    /// </summary>
    public sealed class Options
    {
        /// <summary>Label column. Default "Label".</summary>
        public string LabelColumnName = "Label";
        /// <summary>Feature column: a known-size vector of Single. Default "Features".</summary>
        public string FeatureColumnName = "Features";
        /// <summary>
        /// Example weight column (Single, finite, ≥ 0), or null (default): every row weighs the same. Each row's loss
        /// counts in proportion to its weight, in training and in the validation loss (a <see cref="ValidationSet"/> needs
        /// the column too); a row of weight 0 has no influence. The validation metric (AUC, accuracy, R²) counts rows, as
        /// ML.NET's evaluators do.
        /// </summary>
        public string? ExampleWeightColumnName;

        /// <summary>Widths of the hidden layers; empty for a linear model. Default { 64 }.</summary>
        public int[] HiddenLayers = { 64 };
        /// <summary>Hidden activation. Default tanh.</summary>
        public Activation Activation = Activation.Tanh;
        /// <summary>
        /// How the features are transformed before the network sees them; the model keeps the transform and scoring applies
        /// it. <see cref="InputScaling.Robust"/> (default: median-centred, divided by the interquartile range, smoothly
        /// clipped to (−3, 3); chosen leave one set out on 17 data sets, docs/DEFAULTS.md) works on raw features and
        /// outliers; <see cref="InputScaling.None"/> uses the features as given (standardise them in the pipeline).
        /// </summary>
        public InputScaling InputScaling = TrainingPlan.InputScaling;
        /// <summary>
        /// With <see cref="InputScaling.Robust"/> (with <see cref="InputScaling.None"/> nothing is encoded), each scaled
        /// feature that takes more than two values is also encoded
        /// piecewise-linearly over this many bins of about equal counts among the training rows (Gorishniy et al., 2022):
        /// the network's first layer sees it as it is and as a thermometer it can bend at every bin edge, as a tree
        /// splits. The model keeps the bins and scoring applies them; data whose features and bins would pass 4096 inputs
        /// (more than 240 features at 16 bins: images, text) are not encoded. Where small data
        /// train the fold ensemble, it is trained with and without the bins (twice the time) and keeps them only where its
        /// held-out loss is lower with them. Default 16 (chosen leave one set out on 20 data sets, docs/DEFAULTS.md); 0
        /// turns it off.
        /// </summary>
        public int PiecewiseLinearBins = TrainingPlan.PiecewiseLinearBins;

        /// <summary>Base optimizer whose unit-learning-rate update the tuner scales. Default <see cref="AdamRule"/> (CDAT then scales Adam's update; no learning rate to tune).</summary>
        public DirectionRule Direction = new AdamRule();
        /// <summary>
        /// Step-size rule, with its own settings: <see cref="CdatRule"/> (default), <see cref="ConstantRule"/>,
        /// <see cref="ScheduleRule"/>, <see cref="ArmijoRule"/>, <see cref="PolyakRule"/> or <see cref="CustomRule"/>.
        /// </summary>
        public LearningRateRule Tuner = new CdatRule();

        /// <summary>
        /// Rows per mini-batch; <see cref="FullBatch"/> (or any size ≥ the rows) trains in full batch. Null (default) chooses
        /// by data size: full batch for small data (at most 4096 rows and 2^18 feature values), else mini-batches of 256.
        /// </summary>
        public int? BatchSize;
        /// <summary>
        /// Passes over the data (full batch: steps). Null (default) chooses by data size: 300 full-batch steps, or the epochs
        /// that give about 3000·(1 + 256/B) steps of B rows (6000 at the default 256, 27,000 at 32, 3,375 at 2048; at least 3
        /// epochs, at most 100 or the steps of 100 epochs of 256 rows; fewer on very wide features); early stopping usually ends training sooner.
        /// </summary>
        public int? MaxEpochs;
        /// <summary>Total steps; overrides <see cref="MaxEpochs"/> when set.</summary>
        public long? MaxSteps;
        /// <summary>
        /// Regression: train on standardised labels and fold the scaling back into the output layer. Default true. With
        /// false the network fits the raw labels, which is slow when they sit far from 0 (diabetes, labels around 150:
        /// test R² −0.10 instead of 0.39 with the features as given and λ 1e-4).
        /// </summary>
        public bool StandardizeLabel = true;
        /// <summary>
        /// L2 penalty λ: the loss gains ½λ‖w‖². Default null: chosen from the n rows given to Fit, max(1e-4, 0.3/n), a prior
        /// that weighs less as the data grow (1.5e-3 on 200 rows, 3e-4 on 1,000, 1e-4 from 3,000), chosen leave one set out
        /// on 22 data sets (docs/DEFAULTS.md): it keeps small, wide data from saturating its probabilities. A continued run
        /// (Fit with a model) counts the rows it is given, not the model's. 0 turns it off.
        /// (<see cref="ScheduleFreeAdamWRule.WeightDecay"/> is the decoupled kind; the two add up.)
        /// </summary>
        public double? WeightDecay;
        /// <summary>
        /// End training with a running average of the weights, of decay β in (0, 1) (0.99 averages about the last 100
        /// steps); it smooths the noise of mini-batch steps, and validation judges the average. 0 keeps the last weights.
        /// Null (default): 0.99 in mini-batch, none in full batch. <see cref="ScheduleFreeAdamWRule"/> keeps its own
        /// average and refuses a decay above 0.
        /// </summary>
        public double? WeightAverageDecay;

        /// <summary>Measure the sharpness every this many steps (0, the default: never).</summary>
        public int SharpnessEvery;
        /// <summary>Measure uᵀHu every this many steps and extrapolate in between (1, the default: every step).</summary>
        public int CurvatureEvery = 1;
        /// <summary>Measure uᵀHu on this many random rows of the batch (null, the default: the whole batch).</summary>
        public long? CurvatureSubsampleRows;

        /// <summary>
        /// Early stopping, and the weights kept, follow the validation rows' task metric (AUC, accuracy or R², as ML.NET's
        /// evaluators compute them) instead of their loss; a check where the metric is undefined (one class among the
        /// validation rows) does not count. Default false. The metric is in the trace and the training metrics either way.
        /// </summary>
        public bool EarlyStoppingOnMetric;
        /// <summary>
        /// Small data (40 rows or more, at most <see cref="SmallDataRows"/>, in full batch, no <see cref="ValidationSet"/>)
        /// trains this many networks, each on the other folds of the rows and stopped early on its own fold, and averages
        /// their outputs into one wider network (the model is k times the size, and the fit takes about k times as long)
        /// instead of one network with a tenth of the rows held out. 0 or 1: one network (on every row for the whole
        /// budget where the rows are too few to hold a tenth out, under 200). Default 5, chosen leave one set out on 19
        /// data sets cut to 150 rows (docs/DEFAULTS.md).
        /// </summary>
        public int SmallDataFolds = TrainingPlan.SmallDataFolds;
        /// <summary>
        /// Data of at most this many rows train the <see cref="SmallDataFolds"/> ensemble when the trainer's own rule trains
        /// them in full batch (at most 4096 rows and 262,144 feature values); larger data hold a tenth out for one network,
        /// and so do data of 200 rows or more where <see cref="ValidationFraction"/> is set away from its default (a batch
        /// size the user sets trains the folds in mini-batches). Under 200 rows, too few to hold a tenth out, the ensemble
        /// trains whatever this says. Default 999: of 199, 999 and 4096, the
        /// best on the meta-benchmark's validation splits within the fit-time target (4096 scores higher still on
        /// 1,000-4,096 rows, at five times the fit time; docs/DEFAULTS.md).
        /// </summary>
        public long SmallDataRows = TrainingPlan.SmallDataRows;
        /// <summary>
        /// Classification: once trained, divide the logits by the one temperature that minimises the cross-entropy of rows
        /// the network did not train on (Guo et al., 2017; between 0.5 and 20), folded into the output layer. It changes the
        /// probabilities (and log-loss), never the ranking (AUC) or the predicted class. True: the
        /// <see cref="SmallDataFolds"/> ensemble is tempered on its out-of-fold logits (every training row, each scored by
        /// the fold network that did not see it), and one network on its validation rows. False: never. Null (default):
        /// the rule in docs/DEFAULTS.md (the ensemble only, on its out-of-fold logits; see
        /// <c>CdatTrainingMetrics.Regime</c>).
        /// </summary>
        public bool? TemperatureScaling;
        /// <summary>
        /// Validation data, scored during training; with it the best weights seen are kept. <c>Fit(trainData, validationData)</c>
        /// gives the same model.
        /// </summary>
        public IDataView? ValidationSet;
        /// <summary>
        /// Without a <see cref="ValidationSet"/>, this seeded fraction of the training rows (at most 10,000 of them) is held out
        /// as validation data: the best weights on it are kept and training stops early when it no longer improves.
        /// Default 0.1; 0 trains on every row with no validation. Streamed data hold nothing out; data of at most
        /// <see cref="SmallDataRows"/> rows in full batch train the <see cref="SmallDataFolds"/> ensemble instead, each
        /// network holding out its own fold (under 200 rows, with no folds, nothing is held out).
        /// </summary>
        public double ValidationFraction = 0.1;
        /// <summary>
        /// Stop when the validation loss has not improved for this many checks; 0 never stops early. Null (default): 10
        /// checks in full batch (every 10 steps), 8 in mini-batch (40 checks over the run), when there is validation data.
        /// Set on data that hold nothing out (no <see cref="ValidationSet"/>, and under 200 rows or streamed), <c>Fit</c>
        /// refuses it by name rather than ignore it.
        /// </summary>
        public int? EarlyStoppingPatience;
        /// <summary>
        /// With early stopping: after half the patience without improvement, the learning rate is multiplied by this
        /// factor, so that a plateau is tried at a smaller rate before training stops (at the default patience of 8, once
        /// a plateau: after 4 checks; after 4 more, training stops). Null (default): 0.5 in mini-batch, none in full batch
        /// or with a direction that sets its own step length (Prodigy, schedule-free AdamW); 1: never. Refused on data that
        /// hold nothing out, like <see cref="EarlyStoppingPatience"/>.
        /// </summary>
        public double? PlateauRateFactor;
        /// <summary>
        /// Check the validation loss every this many steps; null (default): every 10 steps in full batch, 40 times over a
        /// mini-batch run (at least once per epoch). Like <see cref="EarlyStoppingPatience"/>, refused on data that hold nothing out.
        /// </summary>
        public int? ValidationEvery;

        /// <summary>
        /// Device: "cpu", "cuda", "cuda:N", or "auto" (CUDA when available, else CPU with a log line). Null (default) follows
        /// the MLContext, as Microsoft.ML.TorchSharp does: <c>MLContext.GpuDeviceId</c> when set (falling back to the CPU
        /// when CUDA is missing only if <c>MLContext.FallbackToCpu</c>), else the CPU.
        /// </summary>
        public string? Device;
        /// <summary>Train in float64 instead of float32. Default false.</summary>
        public bool UseFloat64;
        /// <summary>Seed of the initial weights and the batch order; null (default) draws it from the MLContext's seed.</summary>
        public int? Seed;
        /// <summary>Above this many bytes of training data, mini-batches are streamed from the IDataView instead of held in memory. Default 1 GiB.</summary>
        public long MemoryBudgetBytes = 1L << 30;

        /// <summary>Trains in full batch when given as <see cref="BatchSize"/>.</summary>
        public const int FullBatch = int.MaxValue;

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
            Require(ExampleWeightColumnName is null || ExampleWeightColumnName.Trim().Length > 0, nameof(ExampleWeightColumnName), "must name a column (or be null: no weights)");
            Require(HiddenLayers is not null && HiddenLayers.All(h => h > 0), nameof(HiddenLayers), "must be positive widths (empty for a linear model)");
            Require(Enum.IsDefined(InputScaling), nameof(InputScaling), "must be InputScaling.None or InputScaling.Robust");
            Require(PiecewiseLinearBins == 0 || PiecewiseLinearBins is >= 2 and <= 64, nameof(PiecewiseLinearBins), "must be 0 (off) or lie in [2, 64]");
            Require(Enum.IsDefined(Activation), nameof(Activation), "is not a known activation");
            Require(Direction is not null, nameof(Direction), "must be set (e.g. new AdamRule())");
            Require(Tuner is not null, nameof(Tuner), "must be set (e.g. new CdatRule())");
            Direction!.Validate(UseFloat64);
            Tuner!.Validate(UseFloat64);
            Require(BatchSize is null || BatchSize > 0, nameof(BatchSize), "must be greater than 0 (null chooses by data size; FullBatch trains in full batch)");
            Require(MaxEpochs is null || MaxEpochs > 0, nameof(MaxEpochs), "must be greater than 0 (or null to choose by data size)");
            Require(MaxSteps is null || MaxSteps > 0, nameof(MaxSteps), "must be greater than 0");
            if (WeightDecay is double λ) Precision.RequireFits(λ, λ >= 0, nameof(WeightDecay), UseFloat64, "≥ 0 (or null to choose by data size)");
            Require(PlateauRateFactor is null || (PlateauRateFactor > 0 && PlateauRateFactor <= 1), nameof(PlateauRateFactor), "must lie in (0, 1] (1: never; null: chosen by regime)");
            Require(!(Direction.SetsOwnStepLength && PlateauRateFactor < 1), nameof(PlateauRateFactor), $"must be null or 1 with {Direction}, which sets its own step length");
            Require(WeightAverageDecay is null || (WeightAverageDecay >= 0 && WeightAverageDecay < 1), nameof(WeightAverageDecay), "must lie in [0, 1) (0: keep the last weights; null: chosen by regime)");
            Require(!(Direction.AveragesOwnWeights && WeightAverageDecay > 0), nameof(WeightAverageDecay), $"must be null or 0 with {Direction}, which averages its own weights");
            Require(SharpnessEvery >= 0, nameof(SharpnessEvery), "must be ≥ 0 (0 turns it off)");
            Require(CurvatureEvery > 0, nameof(CurvatureEvery), "must be greater than 0");
            Require(CurvatureSubsampleRows is null || CurvatureSubsampleRows > 0, nameof(CurvatureSubsampleRows), "must be greater than 0");
            Require(double.IsFinite(ValidationFraction) && ValidationFraction >= 0 && ValidationFraction < 1, nameof(ValidationFraction), "must lie in [0, 1) (0: hold nothing out)");
            Require(EarlyStoppingPatience is null || EarlyStoppingPatience >= 0, nameof(EarlyStoppingPatience), "must be ≥ 0 (0: never stop early)");
            Require(ValidationEvery is null || ValidationEvery > 0, nameof(ValidationEvery), "must be greater than 0");
            Require(MemoryBudgetBytes > 0, nameof(MemoryBudgetBytes), "must be greater than 0");
            Require(LogEvery >= 0, nameof(LogEvery), "must be ≥ 0");
            Require(SmallDataFolds is >= 0 and <= 20, nameof(SmallDataFolds), "must lie in [0, 20] (0 or 1: one network on every row)");
            Require(SmallDataRows >= 0, nameof(SmallDataRows), "must not be negative");
            try { if (Device is not null) Devices.Resolve(Device); }
            catch (ArgumentException e) { throw new ArgumentOutOfRangeException(nameof(Device), Device, e.Message); }
        }

        private static void Require(bool condition, string option, string rule) => Check.Require(condition, option, rule);
    }
}
