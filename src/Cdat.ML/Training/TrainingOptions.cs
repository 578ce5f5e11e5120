namespace Cdat.ML.Training;

/// <summary>Settings of a <see cref="TrainingLoop"/> run.</summary>
public sealed record TrainingOptions
{
    /// <summary>Rows per mini-batch; null (default) trains in full batch.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Passes over the data. Default 1. Ignored when <see cref="MaxSteps"/> is set.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Total steps; when set it overrides <see cref="Epochs"/>.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Seed of the mini-batch order (and of the sharpness subset). Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>Drop the last, smaller batch of each epoch so every step sees exactly <see cref="BatchSize"/> rows. Default false.</summary>
    public bool DropLastPartialBatch { get; init; }

    /// <summary>Largest number of rows differentiated in one graph; larger batches are processed in chunks. Default 8192.</summary>
    public long ChunkRows { get; init; } = DefaultChunkRows;

    /// <summary>The default of <see cref="ChunkRows"/>.</summary>
    internal const long DefaultChunkRows = 8192;

    /// <summary>In mini-batch, the sharpness is measured on a fixed random subset of this many rows. Default 5000.</summary>
    public long SharpnessRows { get; init; } = 5000;

    /// <summary>
    /// Stop as diverged after this many consecutive unhealthy steps: a non-finite loss, gradient or learning rate, a loss
    /// above <see cref="DivergenceLossFactor"/> times the first step's, or weights beyond <see cref="MaxWeightGrowth"/>.
    /// Default 3. The weights then go back to the last good ones: those at which the smoothed training loss was best, among
    /// healthy steps (or the best validated weights, when they come before the trouble).
    /// </summary>
    public int DivergencePatience { get; init; } = 3;

    /// <summary>A step loss above this multiple of the first step's loss counts as diverging. Default 10.</summary>
    public double DivergenceLossFactor { get; init; } = 10;

    /// <summary>Weights whose norm exceeds this multiple of their initial norm (at least 1) count as diverging. Default 1e6.</summary>
    public double MaxWeightGrowth { get; init; } = 1e6;

    /// <summary>L2 penalty λ ≥ 0 added to the objective as ½λ‖w‖² (the curvature sees it too). Default 0.</summary>
    public double WeightDecay { get; init; }

    /// <summary>
    /// Keep an exponential moving average of the weights with this decay β in (0, 1) (e.g. 0.999, about the last 1/(1-β)
    /// steps) and end training with it; validation and early stopping then judge the average. Null (default) keeps the
    /// last iterate. Mini-batch noise leaves the last iterate scattered around a minimum; the average sits nearer its centre.
    /// A direction that averages its own weights (<see cref="Directions.IDirection.EvaluationWeights"/>) refuses it.
    /// </summary>
    public double? WeightAverageDecay { get; init; }

    /// <summary>
    /// Evaluate the validation loss every this many steps; null (default) means once per epoch in mini-batch and every
    /// 10 steps in full batch. Used only when validation data is given.
    /// </summary>
    public int? ValidationEvery { get; init; }

    /// <summary>Validation checks in full batch when <see cref="ValidationEvery"/> is unset: every this many steps.</summary>
    internal const int FullBatchValidationEvery = 10;

    /// <summary>
    /// Stop when the validation loss has not improved by more than <see cref="EarlyStoppingMinDelta"/> for this many
    /// evaluations; null (default) never stops early. With validation data the best weights seen are restored at the end.
    /// </summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>
    /// With <see cref="EarlyStoppingPatience"/> of 2 or more: after half the patience without improvement (and again after
    /// each such stretch, where the patience leaves room), the learning rate the tuner picks is multiplied by this factor,
    /// so a plateau's second half runs at a smaller rate before training stops. Null (default) or 1: never.
    /// </summary>
    public double? PlateauRateFactor { get; init; }

    /// <summary>Smallest decrease of the validation loss that counts as an improvement. Default 0.</summary>
    public double EarlyStoppingMinDelta { get; init; }
    /// <summary>A task metric scored on the validation data at each check, beside the loss (null: the loss only).</summary>
    public IValidationMetric? ValidationMetric { get; init; }
    /// <summary>Early stopping and the best weights follow <see cref="ValidationMetric"/> (higher is better) instead of the loss.</summary>
    public bool EarlyStoppingOnMetric { get; init; }

    /// <summary>Device: <c>cpu</c> (default), <c>cuda</c>, <c>cuda:N</c> or <c>auto</c> (CUDA when available).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Curvature and sharpness settings of the optimizer.</summary>
    public OptimizerOptions Optimizer { get; init; } = new();

    internal void Validate()
    {
        Check.Positive(BatchSize, nameof(BatchSize));
        Check.Positive(Epochs, nameof(Epochs));
        Check.Positive(MaxSteps, nameof(MaxSteps));
        Check.Positive(ChunkRows, nameof(ChunkRows));
        Check.Positive(SharpnessRows, nameof(SharpnessRows));
        Check.Positive(DivergencePatience, nameof(DivergencePatience));
        Check.Require(double.IsFinite(DivergenceLossFactor) && DivergenceLossFactor > 1, nameof(DivergenceLossFactor), "must be a finite number greater than 1", DivergenceLossFactor);
        Check.Require(double.IsFinite(MaxWeightGrowth) && MaxWeightGrowth > 1, nameof(MaxWeightGrowth), "must be a finite number greater than 1", MaxWeightGrowth);
        Check.NonNegative(WeightDecay, nameof(WeightDecay));
        if (WeightAverageDecay is double a) Check.Require(a > 0 && a < 1, nameof(WeightAverageDecay), "must lie strictly between 0 and 1 when set", a);
        Check.Positive(ValidationEvery, nameof(ValidationEvery));
        Check.Positive(EarlyStoppingPatience, nameof(EarlyStoppingPatience));
        Check.NonNegative(EarlyStoppingMinDelta, nameof(EarlyStoppingMinDelta));
        if (PlateauRateFactor is double factor) Check.Require(factor > 0 && factor <= 1, nameof(PlateauRateFactor), "must lie in (0, 1] when set", factor);
        ArgumentNullException.ThrowIfNull(Optimizer, nameof(Optimizer));
        Optimizer.Validate();
    }
}
