using Cdat.ML.Networks;

namespace Cdat.ML.Samples.Suite;

/// <summary>
/// The alternatives for one of the trainer's defaults, each a named change of the options: what the <c>select</c>
/// command chooses among, leave one set out. The first candidate of each factor is the reference its table compares with:
/// the default when the factor was last run (a factor whose choice became the default lists it first from then on).
/// </summary>
internal static class Candidates
{
    /// <summary>
    /// A named configuration: it sets some options on top of the defaults, knowing the data (the seed, and a batch size the
    /// run forces, are set by the caller before it).
    /// </summary>
    internal sealed record Candidate(string Name, Action<CdatTrainer.Options, CandidateData> Apply)
    {
        public Candidate(string name, Action<CdatTrainer.Options> apply) : this(name, (o, _) => apply(o)) { }
    }

    /// <summary>What a candidate may know of the data it trains on: its rows (before the trainer holds any out), features and task.</summary>
    internal sealed record CandidateData(long Rows, int Features, CdatTask Task)
    {
        /// <summary>
        /// Whether the trainer's rule trains one network on these rows in full batch (a tenth held out from 1,000 rows; folds
        /// below), judged from the feature columns as given: where the numeric features' bins widen the first layer past
        /// full batch's limit (musk, satellite, credit_data) the trainer takes mini-batches and this still says full batch, and
        /// on small text sets (sms-spam@200, news@200) it says mini-batch where the trainer reads their sparse rows in full batch.
        /// </summary>
        public bool FullBatch => TrainingRows(Rows) <= 4096 && TrainingRows(Rows) * Features <= 1 << 18;
    }

    /// <summary>
    /// The rows one network trains on: four fifths on data of 40-999 rows (the fold ensemble; these sets train in full
    /// batch by the trainer's rule), else what is left once a tenth is held out (at most 10,000).
    /// </summary>
    private static long TrainingRows(long rows) =>
        rows >= 40 && rows <= new CdatTrainer.Options().SmallDataRows ? rows - rows / 5 : rows - Math.Min(rows / 10, 10_000);

    /// <summary>
    /// The rule the trainer's batch-size rule replaced, for a forced batch size B: about 6000 steps whatever B (3-100
    /// epochs of the rows one network trains on).
    /// </summary>
    private static void BudgetAsAt256(CdatTrainer.Options o, long rows)
    {
        if (o.BatchSize is not int b || b <= 0) return;
        long training = TrainingRows(rows);
        if (b >= training) return;
        long perEpoch = (training + b - 1) / b;
        o.MaxEpochs = (int)Math.Clamp((6000 + perEpoch - 1) / perEpoch, 3, 100);
    }

    /// <summary>The σ the trainer's batch-size rule replaced: 0.5 (cross-entropy) or 1.5 (squared error) whatever the batch.</summary>
    private static void SigmaAsAt256(CdatTrainer.Options o, CandidateData data)
    {
        if (o.BatchSize is not int b || b <= 0 || b >= TrainingRows(data.Rows)) return;
        o.Tuner = new CdatRule { Sigma = data.Task == CdatTask.Regression ? 1.5 : 0.5 };
    }

    /// <summary>σ = min(1.9, c·√(B/256)) for the rows B of a step's batch: the default 256 in mini-batch, every training row in full batch.</summary>
    private static double SigmaByRows(double c, CandidateData data) =>
        Math.Min(1.9, c * Math.Sqrt((data.FullBatch ? TrainingRows(data.Rows) : Math.Min(256, TrainingRows(data.Rows))) / 256.0));

    /// <summary>
    /// Factors that change only the probabilities, not the ranking or the predicted class: chosen on the validation
    /// rows' log-loss (lower is better) instead of the headline metric (on regression sets, which they leave alone, the metric).
    /// </summary>
    public static IReadOnlySet<string> ChosenOnLogLoss { get; } = new HashSet<string> { "temperature", "fold-temperature" };

    /// <summary>Epochs for about <paramref name="steps"/> mini-batch steps on <paramref name="rows"/> rows (a tenth held out); null where full batch.</summary>
    private static int? EpochsFor(long rows, long steps)
    {
        long training = TrainingRows(rows);
        if (training <= 4096) return null;
        long perEpoch = (training + 255) / 256;
        return (int)Math.Clamp((steps + perEpoch - 1) / perEpoch, 3, 100);
    }

    public static IReadOnlyDictionary<string, Candidate[]> Factors { get; } = new Dictionary<string, Candidate[]>
    {
        ["sigma"] = new Candidate[]
        {
            new("σ by regime", _ => { }),
            new("σ 0.5", o => o.Tuner = new CdatRule { Sigma = 0.5 }),
            new("σ 1", o => o.Tuner = new CdatRule { Sigma = 1 }),
            new("σ 1.5", o => o.Tuner = new CdatRule { Sigma = 1.5 }),
            new("σ 1.9", o => o.Tuner = new CdatRule { Sigma = 1.9 }),
        },
        // One σ rule for every regime and loss, by the rows of a step's batch B (a full batch: the rows one network trains
        // on): σ = min(1.9, c·√(B/256)), against today's constants by regime and loss; and the loss-free rule in mini-batch only.
        // The regime is CandidateData.FullBatch's guess: only sets where it matches the trainer's are read (docs/DEFAULTS.md).
        ["sigma-rule"] = new Candidate[]
        {
            new("σ by regime and loss", _ => { }),
            new("min(1.9, 0.5·√(B/256))", (o, d) => o.Tuner = new CdatRule { Sigma = SigmaByRows(0.5, d) }),
            new("min(1.9, 1·√(B/256))", (o, d) => o.Tuner = new CdatRule { Sigma = SigmaByRows(1, d) }),
            new("min(1.9, 1.5·√(B/256))", (o, d) => o.Tuner = new CdatRule { Sigma = SigmaByRows(1.5, d) }),
            new("1·√(B/256) in mini-batch, 1.9 in full batch", (o, d) => o.Tuner = new CdatRule { Sigma = d.FullBatch ? 1.9 : SigmaByRows(1, d) }),
        },
        ["network"] = new Candidate[]
        {
            new("64 tanh", _ => { }),
            new("64-64 tanh", o => o.HiddenLayers = new[] { 64, 64 }),
            new("256-256 relu", o => (o.HiddenLayers, o.Activation) = (new[] { 256, 256 }, Activation.Relu)),
            new("256-256 gelu", o => (o.HiddenLayers, o.Activation) = (new[] { 256, 256 }, Activation.Gelu)),
            new("256-256-256 relu", o => (o.HiddenLayers, o.Activation) = (new[] { 256, 256, 256 }, Activation.Relu)),
        },
        // Ablation: the network against a linear model over the same inputs (over the bins: an additive model).
        ["model"] = new Candidate[]
        {
            new("64 tanh", _ => { }),
            new("linear over bins", o => o.HiddenLayers = System.Array.Empty<int>()),
            new("linear", o => (o.HiddenLayers, o.PiecewiseLinearBins) = (System.Array.Empty<int>(), 0)),
        },
        // The L2 penalty again once the numeric features' bins (a first layer up to 17 times wider) became the default: the
        // grid around the value the first run chose.
        ["weight-decay-bins"] = new Candidate[]
        {
            new("λ 1e-4", o => o.WeightDecay = 1e-4),
            new("λ 3e-4", o => o.WeightDecay = 3e-4),
            new("λ 1e-3", o => o.WeightDecay = 1e-3),
            new("λ 3e-3", o => o.WeightDecay = 3e-3),
            new("λ 1e-2", o => o.WeightDecay = 1e-2),
        },
        ["weight-decay"] = new Candidate[]
        {
            new("λ 1e-4", o => o.WeightDecay = 1e-4),
            new("λ 0", o => o.WeightDecay = 0),
            // As an L2 penalty c·‖w‖²/2 on the summed loss: strong on a few hundred rows, fading on many.
            new("λ 0.1/n", (o, d) => o.WeightDecay = 0.1 / d.Rows),
            new("λ 1/n", (o, d) => o.WeightDecay = 1.0 / d.Rows),
            new("λ 10/n", (o, d) => o.WeightDecay = 10.0 / d.Rows),
        },
        // The penalty as a prior whose weight against the data's falls as 1/n (n the rows given to the trainer), never
        // below the value chosen for large data: a constant chose 1e-4 or 1e-3 by the set left out (weight-decay-bins).
        // max(1e-4, 0.3/n) is the default since the run that chose it, where λ 1e-4 (the default then) was listed first.
        ["weight-decay-rows"] = new Candidate[]
        {
            new("λ max(1e-4, 0.3/n)", _ => { }),
            new("λ 1e-4", o => o.WeightDecay = 1e-4),
            new("λ max(1e-4, 1/n)", (o, d) => o.WeightDecay = Math.Max(1e-4, 1.0 / d.Rows)),
            new("λ max(1e-4, 3/n)", (o, d) => o.WeightDecay = Math.Max(1e-4, 3.0 / d.Rows)),
        },
        ["scaling"] = new Candidate[]
        {
            new("robust scaling", _ => { }),
            new("inputs as given", o => o.InputScaling = Cdat.ML.Data.InputScaling.None),
        },
        // Numeric features also encoded piecewise-linearly over quantile bins after the robust scaling (Gorishniy et al., 2022);
        // small data's fold ensemble keeps them only where its held-out loss is lower with them. 16 bins is the default since
        // the run that chose it, where no encoding (the default then) was listed first.
        ["encoding"] = new Candidate[]
        {
            new("16 bins", _ => { }),
            new("no encoding", o => o.PiecewiseLinearBins = 0),
            new("8 bins", o => o.PiecewiseLinearBins = 8),
            new("16 bins from 1,000 rows", (o, d) => o.PiecewiseLinearBins = d.Rows >= 1000 ? 16 : 0),
        },
        ["temperature"] = new Candidate[]
        {
            new("no temperature", o => o.TemperatureScaling = false),
            new("temperature on the validation rows", o => o.TemperatureScaling = true),
        },
        // The small-data fold ensemble's probabilities: as trained, or tempered on the out-of-fold logits (every training
        // row, scored by the fold network that did not see it). Data that train one network are left alone by both.
        ["fold-temperature"] = new Candidate[]
        {
            new("no temperature", o => o.TemperatureScaling = false),
            new("out-of-fold temperature", _ => { }),
        },
        ["folds"] = new Candidate[]
        {
            new("5-fold ensemble", _ => { }),
            new("one network on every row", o => o.SmallDataFolds = 0),
        },
        // Up to which size data train the fold ensemble rather than one network with a tenth held out (full batch only).
        ["fold-rows"] = new Candidate[]
        {
            new("folds under 1000 rows", _ => { }),
            new("folds under 200 rows", o => o.SmallDataRows = 199),
            new("folds in full batch (up to 4096 rows)", o => o.SmallDataRows = 4096),
        },
        // The mini-batch step budget (data of more than 4096 training rows; smaller data trains in full batch, unchanged):
        // the epochs that give about this many steps of 256 rows, as the trainer's rule does for 6000.
        ["budget"] = new Candidate[]
        {
            new("about 6000 steps", _ => { }),
            new("about 3000 steps", (o, d) => o.MaxEpochs = EpochsFor(d.Rows, 3000)),
            new("about 1500 steps", (o, d) => o.MaxEpochs = EpochsFor(d.Rows, 1500)),
        },
        // With a batch size the user forces (select --batches): how the step budget and σ follow it. The trainer's rule (the
        // first) was chosen here against the rule it replaced (budget and σ as at 256 rows), replayed through MaxEpochs and Sigma.
        ["batch-rule"] = new Candidate[]
        {
            new("budget and σ follow the batch", _ => { }),
            new("budget and σ as at 256", (o, d) => { BudgetAsAt256(o, d.Rows); SigmaAsAt256(o, d); }),
            new("budget follows the batch", (o, d) => SigmaAsAt256(o, d)),
            new("σ follows the batch", (o, d) => BudgetAsAt256(o, d.Rows)),
        },
        // What early stopping and the best weights follow: the validation loss, or the task's metric (AUC, accuracy, R²).
        ["stopping"] = new Candidate[]
        {
            new("stop on the loss", _ => { }),
            new("stop on the metric", o => o.EarlyStoppingOnMetric = true),
        },
        // Validation checks without improvement before stopping (full batch / mini-batch): today's, half and a quarter.
        ["patience"] = new Candidate[]
        {
            new("patience 10 / 8", _ => { }),
            new("patience 5 / 4", (o, d) => o.EarlyStoppingPatience = d.FullBatch ? 5 : 4),
            new("patience 3 / 2", (o, d) => o.EarlyStoppingPatience = d.FullBatch ? 3 : 2),
        },
        // CDAT's numerator in mini-batch: the batch's own −gᵀu, or with its sampling noise taken out (CdatRule.NoiseCorrected,
        // one extra half-batch gradient a step) at the same σ by regime, or at full batch's 1.9 in every regime (one σ).
        // Full batch is the same under all three.
        ["numerator"] = new Candidate[]
        {
            new("same batch, σ by regime", _ => { }),
            new("noise-corrected, σ by regime", o => o.Tuner = new CdatRule { NoiseCorrected = true }),
            new("noise-corrected, σ 1.9 (full batch's)", o => o.Tuner = new CdatRule { NoiseCorrected = true, Sigma = 1.9 }),
        },
        // After half the early-stopping patience without improvement the learning rate is multiplied by a factor before
        // training stops. ×0.5 in mini-batch (none in full batch) is the default since the runs that chose it, where no
        // decay (the default then) was listed first and ×0.5 and ×0.25 applied in both regimes, as they do here.
        ["plateau"] = new Candidate[]
        {
            new("rate ×0.5 in mini-batch (the rule)", _ => { }),
            new("no rate decay", o => o.PlateauRateFactor = 1),
            new("rate ×0.5 on a plateau", o => o.PlateauRateFactor = 0.5),
            new("rate ×0.25 on a plateau", o => o.PlateauRateFactor = 0.25),
        },
        // How often CDAT measures uᵀHu: every step (exact), or every k steps with the largest of the last three directional
        // sharpnesses standing in between (OptimizerOptions.CurvatureEvery), in both regimes.
        ["curvature"] = new Candidate[]
        {
            new("uᵀHu every step", _ => { }),
            new("uᵀHu every 4 steps", o => o.CurvatureEvery = 4),
            new("uᵀHu every 8 steps", o => o.CurvatureEvery = 8),
            new("uᵀHu every 16 steps", o => o.CurvatureEvery = 16),
        },
        ["batch"] = new Candidate[]
        {
            new("batch by data size", _ => { }),
            new("batch 64", o => o.BatchSize = 64),
            new("batch 256", o => o.BatchSize = 256),
            new("full batch", o => o.BatchSize = CdatTrainer.Options.FullBatch),
        },
    };
}
