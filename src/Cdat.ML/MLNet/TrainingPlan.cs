using System.Globalization;

namespace Cdat.ML.MLNet;

/// <summary>
/// What the trainer does when an option is left unset, decided from the data in front of it: full batch or mini-batches
/// (and their size), CDAT's σ, the step budget, how often the validation loss is checked and how patiently. The rule and
/// the measurements behind it are in docs/DEFAULTS.md.
/// </summary>
/// <param name="BatchSize">Rows per mini-batch; null for full batch.</param>
/// <param name="Sigma">CDAT's σ when the tuner is CDAT and σ is unset.</param>
/// <param name="Epochs">Passes over the training rows (full batch: steps).</param>
/// <param name="MaxSteps">Total steps when set by the user.</param>
/// <param name="ValidationEvery">Steps between validation checks.</param>
/// <param name="Patience">Validation checks without improvement before stopping; null never stops early.</param>
/// <param name="AverageDecay">Decay of the running average of the weights training ends with; null keeps the last weights.</param>
internal sealed record TrainingPlan(int? BatchSize, double Sigma, int Epochs, long? MaxSteps, int ValidationEvery, int? Patience, double? AverageDecay)
{
    /// <summary>
    /// The L2 penalty λ (the user's, else <see cref="WeightDecayFor"/> the rows given to the trainer), set by the caller;
    /// NaN until then, which the engine's options refuse rather than train with a penalty nobody chose.
    /// </summary>
    public double WeightDecay { get; init; } = double.NaN;

    /// <summary>The factor on the learning rate after half the patience without improvement (at least 2 checks); null: none.</summary>
    public double? PlateauRateFactor { get; init; }

    /// <summary>
    /// The factor on the learning rate after half the early-stopping patience without improvement, in mini-batch by
    /// default. Of none, ×0.5 and ×0.25, the choice made leave one set out on the 11
    /// data sets that train in mini-batches (×0.5 without each of them; Fashion-MNIST's accuracy 0.840 → 0.877, the others
    /// within 0.004; docs/DEFAULTS.md); full batch keeps its rate.
    /// </summary>
    public const double MiniBatchPlateauRateFactor = 0.5;

    /// <summary>
    /// The L2 penalty λ by default, for n rows given to the trainer: max(<see cref="WeightDecayFloor"/>,
    /// <see cref="WeightDecayRows"/>/n). Of 1e-4 and max(1e-4, c/n) for c = 0.3, 1 and 3, the choice made leave one set out
    /// on the meta-benchmark's 17 sets, the suite's adult, bike sharing and covertype, and two text sets cut to 200 rows
    /// (docs/DEFAULTS.md: 0.3/n without 19 of 22 sets); a constant 1e-4 or 1e-3 alone helped one end of the sizes and hurt the other.
    /// </summary>
    public static double WeightDecayFor(long rows) => Math.Max(WeightDecayFloor, WeightDecayRows / Math.Max(1L, rows));
    /// <summary>The L2 penalty on large data (and its least by default).</summary>
    public const double WeightDecayFloor = 1e-4;
    /// <summary>The default L2 penalty's weight as a count of rows: λ = this/n on data of under 3,000 rows.</summary>
    public const double WeightDecayRows = 0.3;
    /// <summary>
    /// The input scaling by default: of the features as given and robust scaling with smooth clipping, the choice made
    /// leave one set out on the meta-benchmark's 17 sets (robust on 14 of 17 held-out sets, and on all 17).
    /// </summary>
    public const Data.InputScaling InputScaling = Data.InputScaling.Robust;
    /// <summary>
    /// Piecewise-linear bins per numeric feature by default: of none, 8, 16 and 16 from 1,000 rows, the choice made leave
    /// one set out on the meta-benchmark's 17 sets and the suite's adult, bike sharing and covertype (16 without 18 of 20).
    /// </summary>
    public const int PiecewiseLinearBins = 16;
    /// <summary>
    /// Folds of the ensemble that small data train, by default: of one network on every row and a 5-fold ensemble, the
    /// choice made leave one set out on 19 sets cut to 150 rows (on all 19).
    /// </summary>
    public const int SmallDataFolds = 5;
    /// <summary>
    /// Data of at most this many rows (that train in full batch) train the fold ensemble by default. Of 199, 999 and
    /// 4096 (every full-batch data set), leave one set out on the meta-benchmark chose 4096 on all 17 sets, at five
    /// times the fit time on 1,000-4,096 rows; 999 is the best of the candidates within the fit-time target.
    /// </summary>
    public const long SmallDataRows = 999;
    /// <summary>Whether a classifier's fold ensemble is tempered on its out-of-fold logits by default.</summary>
    public const bool FoldTemperature = true;
    /// <summary>Full batch only while a step touches at most this many feature values...</summary>
    public const long FullBatchMaxCells = 1 << 18;
    /// <summary>...and at most this many rows.</summary>
    public const long FullBatchMaxRows = 4096;
    /// <summary>Full-batch steps by default.</summary>
    public const int FullBatchSteps = 300;
    /// <summary>CDAT's σ in full batch: just below the edge of stability (σ = 2), which is a knife edge.</summary>
    public const double FullBatchSigma = 1.9;
    /// <summary>Rows per mini-batch by default.</summary>
    public const int MiniBatchRows = 256;
    /// <summary>
    /// CDAT's σ in mini-batches of 256 rows by default: below 1 for cross-entropy, whose curvature fades as predictions
    /// grow confident (larger σ stopped early or diverged on adult and covertype); above 1 for squared error (bike sharing
    /// kept improving). Other batch sizes scale it (<see cref="MiniBatchSigma"/>).
    /// </summary>
    public const double MiniBatchSigmaCrossEntropy = 0.5, MiniBatchSigmaSquaredError = 1.5;

    /// <summary>
    /// CDAT's σ in mini-batches of <paramref name="batchSize"/> rows: the loss's σ at 256 rows times √(B/256), at most
    /// the full-batch σ. A smaller batch's noisier numerator asks for a smaller σ; a larger batch moves toward full batch.
    /// Chosen leave one set out at the batch sizes 32-2048 a user might set (docs/DEFAULTS.md).
    /// </summary>
    public static double MiniBatchSigma(int batchSize, bool squaredError) =>
        Math.Min(FullBatchSigma, (squaredError ? MiniBatchSigmaSquaredError : MiniBatchSigmaCrossEntropy) * Math.Sqrt(batchSize / (double)MiniBatchRows));

    /// <summary>
    /// The mini-batch step budget at <paramref name="batchSize"/> rows: about 3000·(1 + 256/B) steps, 6000 at the default
    /// 256 rows, more for smaller batches (each step sees fewer rows), fewer for larger ones (down to 3000). Chosen leave
    /// one set out with <see cref="MiniBatchSigma"/> (docs/DEFAULTS.md).
    /// </summary>
    public static long MiniBatchStepsAt(int batchSize) => (long)Math.Round(MiniBatchSteps / 2.0 * (1 + MiniBatchRows / (double)batchSize));

    /// <summary>At most <see cref="MaxEpochs"/> epochs, or for batches above 256 rows the steps of that many epochs of 256 rows.</summary>
    public static int MaxEpochsAt(int batchSize) => (int)Math.Max(MaxEpochs, (long)MaxEpochs * batchSize / MiniBatchRows);
    /// <summary>Mini-batch training ends with a running average of the weights of this decay (about the last 100 steps).</summary>
    public const double MiniBatchAverageDecay = 0.99;
    /// <summary>The mini-batch step budget at 256 rows: the epochs that give about this many steps (other batch sizes: <see cref="MiniBatchStepsAt"/>)...</summary>
    public const long MiniBatchSteps = 6000;
    /// <summary>
    /// ...and at most the steps that read this many feature values in all (rows × features per step): wide data, such
    /// as thousands of text n-grams, gets fewer, costlier steps...
    /// </summary>
    public const long MiniBatchValues = 1L << 30;
    /// <summary>...but at least this many epochs...</summary>
    public const int MinEpochs = 3;
    /// <summary>...and at most this many (for batches above 256 rows, <see cref="MaxEpochsAt"/>).</summary>
    public const int MaxEpochs = 100;
    /// <summary>Validation checks over a mini-batch run (at most one per epoch... or more often when epochs are few).</summary>
    public const int MiniBatchChecks = 40;
    /// <summary>Validation checks without improvement before stopping: full batch (checked every 10 steps), mini-batch.</summary>
    public const int FullBatchPatience = 10, MiniBatchPatience = 8;

    /// <summary>Whether data of <paramref name="rows"/> × <paramref name="features"/> trains in full batch by default.</summary>
    public static bool PrefersFullBatch(long rows, int features) => rows <= FullBatchMaxRows && rows * (long)features <= FullBatchMaxCells;

    /// <summary>The rows per batch for <paramref name="rows"/> training rows: the user's choice, else the rule.</summary>
    public static int? BatchSizeFor(int? requested, long rows, int features)
    {
        if (requested is int b) return b >= rows ? null : b;
        return PrefersFullBatch(rows, features) ? null : (int)Math.Min(MiniBatchRows, rows);
    }

    /// <summary>The plan for <paramref name="rows"/> training rows, given what the user set.</summary>
    public static TrainingPlan For(long rows, int features, int? batchSize, int? epochs, long? maxSteps, int? validationEvery, int? patience, bool hasValidation,
                                   bool squaredError = false, double? averageDecay = null, double? plateauRateFactor = null)
    {
        // (A direction that sets its own step length passes a plateauRateFactor of 1: its update is not a step to scale.)
        bool full = batchSize is null;
        long stepsPerEpoch = full ? 1 : (rows + batchSize!.Value - 1) / batchSize.Value;
        long steps = full ? FullBatchSteps : Math.Min(MiniBatchStepsAt(batchSize!.Value), MiniBatchValues / Math.Max(1L, (long)batchSize!.Value * features));
        int chosenEpochs = epochs ?? (full ? FullBatchSteps : (int)Math.Clamp((steps + stepsPerEpoch - 1) / stepsPerEpoch, MinEpochs, MaxEpochsAt(batchSize!.Value)));
        long total = maxSteps ?? chosenEpochs * stepsPerEpoch;
        int every = validationEvery ?? (full ? Training.TrainingOptions.FullBatchValidationEvery : (int)Math.Clamp(total / MiniBatchChecks, 1, stepsPerEpoch));
        int? stopAfter = !hasValidation || patience == 0 ? null : patience ?? (full ? FullBatchPatience : MiniBatchPatience);
        double sigma = full ? FullBatchSigma : MiniBatchSigma(batchSize!.Value, squaredError);
        double? average = averageDecay is double a ? (a > 0 ? a : null) : full ? null : MiniBatchAverageDecay;
        double plateau = plateauRateFactor ?? (full ? 1 : MiniBatchPlateauRateFactor);
        return new TrainingPlan(batchSize, sigma, chosenEpochs, maxSteps, every, stopAfter, average)
        {
            PlateauRateFactor = plateau < 1 && Training.EarlyStopping.DecayAfter(stopAfter) is not null ? plateau : null,
        };
    }

    /// <summary>The engine's settings for this plan: the plan's choices, and the options it leaves as the user set them.</summary>
    public Training.TrainingOptions EngineOptions(CdatTrainer.Options o, long seed, string device, Training.IValidationMetric metric) => new()
    {
        Epochs = Epochs,
        MaxSteps = MaxSteps,
        Seed = seed,
        Device = device,
        WeightDecay = WeightDecay,
        WeightAverageDecay = AverageDecay,
        ValidationEvery = ValidationEvery,
        EarlyStoppingPatience = Patience,
        PlateauRateFactor = PlateauRateFactor,
        ValidationMetric = metric,
        EarlyStoppingOnMetric = o.EarlyStoppingOnMetric,
        Optimizer = new Training.OptimizerOptions
        {
            SharpnessEvery = o.SharpnessEvery,
            CurvatureEvery = o.CurvatureEvery,
            CurvatureSubsampleRows = o.CurvatureSubsampleRows,
            Seed = seed,
        },
    };

    /// <summary>One line for the log and the metrics, e.g. "mini-batches of 128, 24 epochs, validation every 73 steps, patience 8".</summary>
    public string Describe(long trainingRows, long validationRows, bool heldOut)
    {
        var c = CultureInfo.InvariantCulture;
        string regime = BatchSize is int b ? string.Create(c, $"mini-batches of {b}") : "full batch";
        string length = MaxSteps is long s ? string.Create(c, $"{s} steps") : BatchSize is null ? string.Create(c, $"{Epochs} steps") : string.Create(c, $"{Epochs} epochs");
        string validation = validationRows == 0 ? "no validation"
            : string.Create(c, $"{validationRows} validation rows ({(heldOut ? "held out" : "given")}) checked every {ValidationEvery} steps") +
              (Patience is int p ? string.Create(c, $", patience {p}") : ", no early stopping");
        string average = AverageDecay is double β ? string.Create(c, $", weights averaged (β {β:G3})") : "";
        string penalty = WeightDecay > 0 ? string.Create(c, $", L2 penalty λ {WeightDecay:G2}") : "";
        string plateau = PlateauRateFactor is double f && Training.EarlyStopping.DecayAfter(Patience) is int after && validationRows > 0
            ? string.Create(c, $", learning rate ×{f:G3} after {after} checks without improvement") : "";
        return string.Create(c, $"{trainingRows} training rows, {regime}, {length}{average}{penalty}, {validation}{plateau}");
    }
}
