using System.Diagnostics;
using Cdat.ML.Curvature;
using Cdat.ML.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Objectives;
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
    private readonly SharpnessEstimator _sharpness, _preconditionedSharpness;
    private readonly Generator _generator;
    // Directional sharpness of the last few exact measurements; between measurements the curvature is extrapolated
    // from their largest magnitude, which errs toward smaller steps (the directional sharpness swings with the direction).
    private readonly Queue<double> _recentDirectionalSharpness = new();
    private const int RecentMeasurements = 3;

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
        _sharpness = new SharpnessEstimator(Options.SharpnessMethod, Options.SharpnessIterations, seed: Options.Seed);
        _preconditionedSharpness = new SharpnessEstimator(Options.SharpnessMethod, Options.SharpnessIterations, seed: Options.Seed + 1);
        _generator = new Generator((ulong)Options.Seed);
        _largestRate = _parameters.Min(p => p.dtype switch
        {
            ScalarType.Float64 => double.MaxValue,
            ScalarType.Float16 => 65504.0,
            _ => float.MaxValue,
        });
    }

    private readonly double _largestRate;

    /// <summary>The trained parameters.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;
    /// <summary>The base direction.</summary>
    public IDirection Direction { get; }
    /// <summary>The step-size rule.</summary>
    public ILearningRateTuner Tuner { get; }
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

        bool curvatureMeasured = Tuner.UsesCurvature
            && (_recentDirectionalSharpness.Count == 0 || Options.CurvatureEvery == 1 || (step - 1) % Options.CurvatureEvery == 0);
        bool subsample = curvatureMeasured && Options.CurvatureSubsampleRows is long r && r < objective.Rows;
        bool sharpnessDue = Options.SharpnessEvery > 0 && (step - 1) % Options.SharpnessEvery == 0;
        sharpnessObjective ??= objective;
        // One graph serves the gradient, uᵀHu and the sharpness when they share the batch and it fits in one chunk.
        bool keepGraph = objective.ChunkCount == 1
            && ((curvatureMeasured && !subsample) || (sharpnessDue && ReferenceEquals(sharpnessObjective, objective)));

        var record = new StepRecord { Step = step, Epoch = epoch == 0 ? (int)step : epoch, BatchRows = objective.Rows };
        var (loss, gradient, hessian) = Gradient(objective, keepGraph);
        if (!double.IsFinite(loss)) return Finish(record with { Loss = loss, Flags = StepFlags.NonFinite | StepFlags.Skipped }, clock);

        double gradientNormSquared = ParameterVectors.Dot(gradient, gradient);
        if (!double.IsFinite(gradientNormSquared))
            return Finish(record with { Loss = loss, Flags = StepFlags.NonFinite | StepFlags.Skipped }, clock);

        var direction = Direction.Compute(gradient);
        var dots = ParameterVectors.Dots((gradient, direction), (direction, direction));
        double gu = dots[0], uu = dots[1];
        record = record with { Loss = loss, Decrease = -gu, GradientNorm = Math.Sqrt(gradientNormSquared), DirectionNorm = Math.Sqrt(uu) };
        if (!double.IsFinite(gu) || !double.IsFinite(uu)) return Finish(record with { Flags = StepFlags.NonFinite | StepFlags.Skipped }, clock);

        var context = new StepContext(this, objective, hessian, direction, step, stepsPerEpoch, loss, gu, gradientNormSquared, uu,
                                      curvatureMeasured, subsample);
        var decision = Tuner.Propose(context);
        context.RestoreParameters();

        var flags = decision.Flags | context.Flags;
        double lr = decision.LearningRate;
        // A rate beyond the parameters' float range cannot be applied (libtorch refuses to convert it): skip the step.
        if (!double.IsFinite(lr) || lr < 0 || lr > _largestRate)
        {
            lr = 0;
            flags |= StepFlags.NonFinite | StepFlags.Skipped;
        }
        if (uu == 0) flags |= StepFlags.ZeroGradient;
        record = record with
        {
            LearningRate = lr,
            Curvature = context.MeasuredCurvature,
            DirectionalSharpness = context.MeasuredCurvature is double c && uu > 0 ? c / uu : null,
            Trials = decision.Trials,
            SmoothedNumerator = decision.SmoothedNumerator,
            SmoothedDenominator = decision.SmoothedDenominator,
        };

        if (sharpnessDue)
            record = MeasureSharpness(record, sharpnessObjective, ReferenceEquals(sharpnessObjective, objective) ? context.RetainedHessian : null, lr);

        if (lr > 0)
        {
            using var _ = torch.no_grad();
            using var rate = Scalars.Of(lr);
            for (int i = 0; i < _parameters.Length; i++) _parameters[i].add_(direction[i], alpha: rate);
        }
        return Finish(record with { Flags = flags }, clock);
    }

    /// <summary>Sharpness of <paramref name="objective"/> at the current parameters (Lanczos or power iteration, warm-started).</summary>
    public EigenEstimate MeasureSharpness(IObjective objective)
    {
        ArgumentNullException.ThrowIfNull(objective);
        return _sharpness.Estimate(_parameters, objective);
    }

    private StepRecord MeasureSharpness(StepRecord record, IObjective objective, HessianOperator? shared, double lr)
    {
        using var scope = torch.NewDisposeScope();
        var hessian = shared ?? new HessianOperator(_parameters, objective);
        double sharpness = _sharpness.Estimate(hessian, _parameters, null, CancellationToken).Largest;
        double? preconditioned = null;
        if (Options.PreconditionedSharpness && Direction.Preconditioner() is { } p)
            preconditioned = _preconditionedSharpness.Estimate(hessian, _parameters, p, CancellationToken).Largest;
        double? threshold = lr > 0 ? Direction.StabilityThreshold(lr) : null;
        return record with
        {
            Sharpness = sharpness,
            PreconditionedSharpness = preconditioned,
            StabilityThreshold = threshold,
            StabilityRatio = threshold is double t ? (preconditioned ?? sharpness) / t : null,
        };
    }

    private (double Loss, Tensor[] Gradient, HessianOperator? Hessian) Gradient(IObjective objective, bool keepGraph)
    {
        using var _ = torch.enable_grad();
        if (objective.ChunkCount == 1)
        {
            var loss = objective.ChunkLoss(0);
            var withGraph = SafeAutograd.Grad(loss, _parameters, createGraph: keepGraph);
            double value = loss.detach().to(ScalarType.Float64).item<double>();
            var hessian = keepGraph ? new HessianOperator(_parameters, objective, loss, withGraph) : null;
            return (value, withGraph.Select(g => g.detach()).ToArray(), hessian);
        }

        Tensor[]? total = null;
        double sum = 0;
        for (int c = 0; c < objective.ChunkCount; c++)
        {
            using var chunk = torch.NewDisposeScope();
            var loss = objective.ChunkLoss(c);
            var g = SafeAutograd.Grad(loss, _parameters, createGraph: false);
            sum += loss.detach().to(ScalarType.Float64).item<double>();
            using var __ = torch.no_grad();
            if (total is null) total = g.Select(t => t.detach().MoveToOuterDisposeScope()).ToArray();
            else for (int i = 0; i < total.Length; i++) total[i].add_(g[i]);
        }
        return (sum, total!, null);
    }

    private static StepRecord Finish(StepRecord record, Stopwatch clock) => record with { Milliseconds = clock.Elapsed.TotalMilliseconds };

    /// <summary>Resets the direction, the tuner and the curvature history.</summary>
    public void Reset()
    {
        StepCount = 0;
        _recentDirectionalSharpness.Clear();
        Direction.Reset();
        Tuner.Reset();
        _sharpness.Reset();
        _preconditionedSharpness.Reset();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _sharpness.Dispose();
        _preconditionedSharpness.Dispose();
        _generator.Dispose();
    }

    /// <summary>The tuner's view of one step: cheap scalars now, curvature and trial losses on demand.</summary>
    private sealed class StepContext : IStepContext
    {
        private readonly CurvatureAwareOptimizer _owner;
        private readonly IObjective _objective;
        private readonly HessianOperator? _hessian;
        private readonly IReadOnlyList<Tensor> _direction;
        private readonly bool _measure, _subsample;
        private Tensor[]? _snapshot;
        private double? _curvature;
        // Trial points write the parameters in place, which bumps their autograd version: the retained graph then no
        // longer matches them, and differentiating through it would abort the process inside libtorch.
        private bool _graphStale;

        /// <summary>The gradient's retained graph, while it still matches the parameters.</summary>
        public HessianOperator? RetainedHessian => _graphStale ? null : _hessian;

        public StepContext(CurvatureAwareOptimizer owner, IObjective objective, HessianOperator? hessian, IReadOnlyList<Tensor> direction,
                           long step, int stepsPerEpoch, double loss, double gu, double gg, double uu, bool measure, bool subsample)
        {
            _owner = owner;
            _objective = objective;
            _hessian = hessian;
            _direction = direction;
            _measure = measure;
            _subsample = subsample;
            Step = step;
            StepsPerEpoch = Math.Max(1, stepsPerEpoch);
            Loss = loss;
            GradientDotDirection = gu;
            GradientNormSquared = gg;
            DirectionNormSquared = uu;
        }

        public long Step { get; }
        public int StepsPerEpoch { get; }
        public double Loss { get; }
        public double GradientDotDirection { get; }
        public double GradientNormSquared { get; }
        public double DirectionNormSquared { get; }
        public StepFlags Flags { get; private set; }
        public double? MeasuredCurvature => _curvature;

        public double Curvature()
        {
            if (_curvature is double known) return known;
            double c;
            if (!_measure && _owner._recentDirectionalSharpness.Count > 0)
            {
                c = _owner._recentDirectionalSharpness.Max(Math.Abs) * DirectionNormSquared;
                Flags |= StepFlags.CurvatureEstimated;
            }
            else
            {
                using var scope = torch.NewDisposeScope();
                if (_subsample)
                {
                    var sub = _objective.Subsample(_owner.Options.CurvatureSubsampleRows!.Value, _owner._generator);
                    c = new HessianOperator(_owner._parameters, sub).Quadratic(_direction);
                    Flags |= StepFlags.CurvatureSubsampled;
                }
                else
                {
                    c = (RetainedHessian ?? new HessianOperator(_owner._parameters, _objective)).Quadratic(_direction);
                }
                if (double.IsFinite(c) && DirectionNormSquared > 0)
                {
                    var recent = _owner._recentDirectionalSharpness;
                    recent.Enqueue(c / DirectionNormSquared);
                    if (recent.Count > RecentMeasurements) recent.Dequeue();
                }
            }
            _curvature = c;
            return c;
        }

        public double LossAt(double learningRate)
        {
            if (!double.IsFinite(learningRate)) return double.NaN;
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var parameters = _owner._parameters;
            _snapshot ??= parameters.Select(p => p.detach().clone().MoveToOuterDisposeScope()).ToArray();
            _graphStale = true;
            using var rate = Scalars.Of(learningRate);
            for (int i = 0; i < parameters.Length; i++)
                parameters[i].copy_(_snapshot[i].add(_direction[i], alpha: rate));
            double sum = 0;
            for (int c = 0; c < _objective.ChunkCount; c++)
            {
                using var chunk = torch.NewDisposeScope();
                sum += _objective.ChunkLoss(c).to(ScalarType.Float64).item<double>();
            }
            return double.IsFinite(sum) ? sum : double.NaN;
        }

        /// <summary>Puts the parameters back where the step started if trial points moved them.</summary>
        public void RestoreParameters()
        {
            if (_snapshot is null) return;
            using var _ = torch.no_grad();
            for (int i = 0; i < _snapshot.Length; i++) _owner._parameters[i].copy_(_snapshot[i]);
        }
    }
}
