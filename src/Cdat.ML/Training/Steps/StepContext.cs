using Cdat.ML.Curvature;
using Cdat.ML.Diagnostics;
using Cdat.ML.Objectives;
using Cdat.ML.Tuners;
using static TorchSharp.torch;

namespace Cdat.ML.Training.Steps;

/// <summary>The tuner's view of one step: the cheap scalars now, the curvature and trial losses on demand.</summary>
internal sealed class StepContext : IStepContext, IDisposable
{
    private readonly Tensor[] _parameters;
    private readonly IObjective _objective;
    private readonly HessianOperator? _hessian;
    private readonly IReadOnlyList<Tensor> _direction, _gradient;
    private readonly Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>?>? _share;
    private readonly CurvatureSchedule _schedule;
    private readonly bool _curvatureDue;
    private readonly TrialPoints _trials;
    private readonly StartPoint _start;

    public StepContext(Tensor[] parameters, IObjective objective, HessianOperator? hessian, IReadOnlyList<Tensor> gradient, IReadOnlyList<Tensor> direction,
                       Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>?>? share,
                       CurvatureSchedule schedule, bool curvatureDue, StartPoint start, long step, int stepsPerEpoch, double loss, double gu, double gg, double uu)
    {
        _parameters = parameters;
        _objective = objective;
        _hessian = hessian;
        _gradient = gradient;
        _share = share;
        _direction = direction;
        _schedule = schedule;
        _curvatureDue = curvatureDue;
        _start = start;
        _trials = new TrialPoints(parameters, direction, objective);
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

    /// <summary>How the curvature was obtained (estimated, subsampled).</summary>
    public StepFlags Flags { get; private set; }
    /// <summary>uᵀHu if the tuner asked for it.</summary>
    public double? MeasuredCurvature { get; private set; }
    /// <summary>The gradient's kept graph, while it still matches the parameters.</summary>
    public HessianOperator? RetainedHessian => _trials.MovedParameters ? null : _hessian;

    public double Curvature()
    {
        if (MeasuredCurvature is double known) return known;
        var (value, flags) = _schedule.Measure(_curvatureDue, _parameters, _objective, RetainedHessian, _direction, DirectionNormSquared);
        Flags |= flags;
        MeasuredCurvature = value;
        return value;
    }

    public double LossAt(double learningRate) => _trials.LossAt(learningRate);

    /// <summary>tr Σ/|B| if the tuner asked for the noise.</summary>
    public double? MeasuredNoise => _noise?.Gradient;

    private (double Gradient, double? Decrease)? _noise;

    private (double Gradient, double? Decrease) Noise()
    {
        if (_noise is { } known) return known;
        // Trial points may have moved the parameters: the half-batch gradient is taken where the step started.
        _trials.Restore();
        _noise = StepsPerEpoch > 1 ? Steps.GradientNoise.Estimate(_objective, _parameters, _gradient, _share) : (0, 0);
        return _noise.Value;
    }

    public double GradientNoise() => Noise().Gradient;

    public double DecreaseNoise()
    {
        var (gradient, decrease) = Noise();
        // Without the direction's share of the gradient: the noise's share of −gᵀu is taken to be its share of ‖g‖².
        return decrease ?? (GradientNormSquared > 0 ? -GradientDotDirection * gradient / GradientNormSquared : 0);
    }

    public (double Distance, double StartNorm) DistanceFromStart() => _start.Measure();

    /// <summary>Puts the parameters back where the step started if trial points moved them.</summary>
    public void RestoreParameters() => _trials.Restore();

    public void Dispose() => _trials.Dispose();
}
