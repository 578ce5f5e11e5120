using System.Diagnostics;
using Cdat.ML.Curvature;
using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Objectives;
using Cdat.ML.Training.Steps;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Training;

/// <summary>
/// An optimizer made of two parts: a <see cref="IDirection"/> that proposes the update u at unit learning rate and an
/// <see cref="ILearningRateTuner"/> that picks the learning rate, so that <c>w ← w + lr·u</c>. It computes only
/// what the tuner asks for (a Hessian-vector product for CDAT, trial losses for Armijo) and returns a
/// <see cref="StepRecord"/> per step. Usable on any TorchSharp parameters:
/// <code>
/// using var opt = new CurvatureAwareOptimizer(model.parameters(), new AdamDirection(), new CdatTuner(sigma: 2, beta: 0));
/// StepRecord r = opt.Step(() => loss(model.call(x), y));
/// </code>
/// </summary>
public sealed class CurvatureAwareOptimizer : IDisposable
{
    private readonly Tensor[] _parameters;
    private readonly CurvatureSchedule _curvature;
    private readonly SharpnessProbe _sharpness;
    private readonly StartPoint _start;
    private readonly double _largestRate;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameters">Parameters to train (those not requiring gradients are ignored).</param>
    /// <param name="direction">Base direction (GD, momentum, RMSProp, Adam).</param>
    /// <param name="tuner">Step-size rule.</param>
    /// <param name="options">Curvature and sharpness measurement settings.</param>
    public CurvatureAwareOptimizer(IEnumerable<Tensor> parameters, IDirection direction, ILearningRateTuner tuner, OptimizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.Where(p => p.requires_grad).ToArray();
        if (_parameters.Length == 0) throw new ArgumentException("No parameter requires a gradient.", nameof(parameters));
        Direction = direction ?? throw new ArgumentNullException(nameof(direction));
        Tuner = tuner ?? throw new ArgumentNullException(nameof(tuner));
        Options = options ?? new OptimizerOptions();
        Options.Validate();
        _curvature = new CurvatureSchedule(Options);
        _sharpness = new SharpnessProbe(Options);
        _start = new StartPoint(_parameters);
        Direction.Bind(_parameters);
        // A rate beyond the parameters' float range cannot be applied (libtorch refuses to convert it).
        _largestRate = Precision.Largest(_parameters);
    }

    /// <summary>The trained parameters.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;
    /// <summary>The base direction.</summary>
    public IDirection Direction { get; }
    /// <summary>The step-size rule.</summary>
    public ILearningRateTuner Tuner { get; }
    /// <summary>A factor on every learning rate the tuner picks (1 by default; the training loop lowers it on a plateau).</summary>
    public double RateScale
    {
        get => _rateScale;
        set
        {
            Check.Require(double.IsFinite(value) && value > 0, nameof(RateScale), "must be a finite number greater than 0", value);
            _rateScale = value;
        }
    }
    private double _rateScale = 1;
    /// <summary>Measurement settings.</summary>
    public OptimizerOptions Options { get; }
    /// <summary>
    /// Checked inside the sharpness measurement, the longest part of a step, which then throws
    /// <see cref="OperationCanceledException"/> before the parameters are updated.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Steps taken (skipped steps included).</summary>
    public long StepCount { get; private set; }

    /// <summary>One step on a closure returning the scalar loss (it must build a new graph on each call).</summary>
    public StepRecord Step(Func<Tensor> loss) => Step(new FunctionObjective(loss));

    /// <summary>One step on <paramref name="objective"/>.</summary>
    /// <param name="objective">The step's loss (a mini-batch or the full batch).</param>
    /// <param name="sharpnessObjective">Where to measure the sharpness when it is due (default: <paramref name="objective"/>).</param>
    /// <param name="epoch">Epoch number for the record.</param>
    /// <param name="stepsPerEpoch">Steps per epoch, for tuners that adapt per epoch.</param>
    public StepRecord Step(IObjective objective, IObjective? sharpnessObjective = null, int epoch = 0, int stepsPerEpoch = 1)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var clock = Stopwatch.StartNew();
        long step = ++StepCount;
        using var scope = torch.NewDisposeScope();
        var record = new StepRecord { Step = step, Epoch = epoch == 0 ? (int)step : epoch, BatchRows = objective.Rows };

        // One graph serves the gradient, uᵀHu and the sharpness when they share the batch and it fits in one chunk.
        sharpnessObjective ??= objective;
        bool sameBatch = ReferenceEquals(sharpnessObjective, objective);
        bool curvatureDue = _curvature.IsDue(step, Tuner.UsesCurvature), sharpnessDue = _sharpness.IsDue(step);
        // The trainer's perceptron measures uᵀHu by hand: a graph is kept only for the sharpness then.
        bool byHand = objective is SupervisedObjective supervised && supervised.Analytic(_parameters) is not null;
        bool keepGraph = objective.ChunkCount == 1 && ((curvatureDue && !_curvature.Subsamples(objective) && !byHand) || (sharpnessDue && sameBatch));

        var (loss, gradient, hessian) = GradientPass.Compute(objective, _parameters, keepGraph);
        double gg = double.IsFinite(loss) ? ParameterVectors.Dot(gradient, gradient) : double.NaN;
        if (!double.IsFinite(gg)) return Finish(record with { Loss = loss, Flags = StepFlags.NonFinite | StepFlags.Skipped }, clock);

        var direction = Direction.Compute(gradient);
        var dots = ParameterVectors.Dots((gradient, direction), (direction, direction));
        double gu = dots[0], uu = dots[1];
        record = record with { Loss = loss, Decrease = -gu, GradientNorm = Math.Sqrt(gg), DirectionNorm = Math.Sqrt(uu) };
        if (!double.IsFinite(gu) || !double.IsFinite(uu)) return Finish(record with { Flags = StepFlags.NonFinite | StepFlags.Skipped }, clock);

        using var context = new StepContext(_parameters, objective, hessian, gradient, direction, Direction.CurrentGradientShare, _curvature, curvatureDue, _start, step, stepsPerEpoch, loss, gu, gg, uu);
        TunerStep decision;
        try { decision = Tuner.Propose(context); }
        finally { context.RestoreParameters(); }

        var flags = decision.Flags | context.Flags | (uu == 0 ? StepFlags.ZeroGradient : StepFlags.None);
        double lr = decision.LearningRate * RateScale;
        if (!double.IsFinite(lr) || lr < 0 || lr > _largestRate) (lr, flags) = (0, flags | StepFlags.NonFinite | StepFlags.Skipped);
        record = record with
        {
            LearningRate = lr,
            Curvature = context.MeasuredCurvature,
            DirectionalSharpness = context.MeasuredCurvature is double c && uu > 0 ? c / uu : null,
            Trials = decision.Trials,
            SmoothedNumerator = decision.SmoothedNumerator,
            SmoothedDenominator = decision.SmoothedDenominator,
            GradientNoise = context.MeasuredNoise,
        };
        if (sharpnessDue)
            record = _sharpness.Fill(record, _parameters, sharpnessObjective, sameBatch ? context.RetainedHessian : null, Direction, lr, CancellationToken);

        if (lr > 0) Apply(direction, lr);
        return Finish(record with { Flags = flags }, clock);
    }

    /// <summary>Sharpness of <paramref name="objective"/> at the current parameters (Lanczos or power iteration, warm-started).</summary>
    public EigenEstimate MeasureSharpness(IObjective objective)
    {
        ArgumentNullException.ThrowIfNull(objective);
        return _sharpness.Estimate(_parameters, objective);
    }

    private void Apply(IReadOnlyList<Tensor> direction, double lr)
    {
        if (HostMemory.AllHostFloat(_parameters, direction))
        {
            for (int i = 0; i < _parameters.Length; i++)
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(HostMemory.Floats(direction[i]), (float)lr, HostMemory.Floats(_parameters[i]), HostMemory.Floats(_parameters[i]));
            return;
        }
        using var _ = torch.no_grad();
        using var rate = Scalars.Of(lr);
        for (int i = 0; i < _parameters.Length; i++) _parameters[i].add_(direction[i], alpha: rate);
    }

    private static StepRecord Finish(StepRecord record, Stopwatch clock) => record with { Milliseconds = clock.Elapsed.TotalMilliseconds };

    /// <summary>Resets the direction, the tuner, the curvature history and <see cref="RateScale"/>.</summary>
    public void Reset()
    {
        StepCount = 0;
        RateScale = 1;
        _curvature.Reset();
        Direction.Reset();
        Tuner.Reset();
        _sharpness.Reset();
        _start.Reset();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _sharpness.Dispose();
        _curvature.Dispose();
        _start.Dispose();
    }
}
