using System.Globalization;
using Cdat.ML.Curvature;
using Cdat.ML.Diagnostics;
using static TorchSharp.torch;

namespace Cdat.ML.Training;

/// <summary>
/// Watches a run for divergence, finite or not, and keeps good weights to fall back on. With F =
/// <see cref="TrainingOptions.DivergenceLossFactor"/>, a step is unhealthy when its loss is non-finite or above F times
/// the first step's (an explosion); when the smoothed loss (an EMA over about ten steps, which mini-batch noise and
/// short full-batch spikes do not move much) rose above <see cref="RelapseFactor"/> times its best and above 1/F of the
/// first loss (a relapse: the network forgot what it had learnt); when it was skipped for a non-finite value; or when the weights it leaves are
/// non-finite or grew beyond <see cref="TrainingOptions.MaxWeightGrowth"/> times their initial norm.
/// <see cref="TrainingOptions.DivergencePatience"/> unhealthy steps in a row mean divergence. The fallback (checkpoint)
/// is the weights at which the smoothed loss was best, taken only from healthy steps at healthy weights, so a rollback
/// never lands on weights that were already blowing up while their loss stayed finite.
/// </summary>
internal sealed class DivergenceGuard : IDisposable
{
    /// <summary>The smoothed loss relapsed when it rose above this multiple of its best (and above 1/F of the first loss).</summary>
    public const double RelapseFactor = 4.0;

    private const double Smoothing = 0.9;

    private readonly Tensor[] _parameters;
    private readonly LastGoodWeights _checkpoint;
    private readonly TrainingOptions _options;
    private readonly double _weightLimit;
    private double _firstLoss = double.NaN, _smoothedLoss = double.NaN, _bestSmoothedLoss = double.PositiveInfinity;
    private bool _startWeightsHealthy = true;
    private int _unhealthyInARow;

    public DivergenceGuard(IReadOnlyList<Tensor> parameters, TrainingOptions options)
    {
        _parameters = parameters.ToArray();
        _options = options;
        _checkpoint = new LastGoodWeights(parameters);
        double norm = Math.Sqrt(ParameterVectors.Dot(_parameters, _parameters));
        _weightLimit = options.MaxWeightGrowth * Math.Max(norm, 1.0);
    }

    /// <summary>The step whose starting weights the checkpoint holds (0: the initial weights).</summary>
    public long CheckpointStep => _checkpoint.Step;
    /// <summary>The loss measured at the checkpoint's weights (NaN for the initial weights before any step).</summary>
    public double CheckpointLoss { get; private set; } = double.NaN;
    /// <summary>Why the last unhealthy step was unhealthy.</summary>
    public string? Reason { get; private set; }
    /// <summary>The first step of the current run of unhealthy steps.</summary>
    public long UnhealthySince { get; private set; }
    /// <summary>
    /// Whether the smoothed loss ends above twice its best (and above 1/F of the first loss, so that noise around a
    /// loss near zero does not count): the last weights are worse than the checkpoint.
    /// </summary>
    public bool EndedWorse => _smoothedLoss > 2 * _bestSmoothedLoss && _smoothedLoss > _firstLoss / _options.DivergenceLossFactor;
    /// <summary>Says how much worse the smoothed loss ends than its best.</summary>
    public string EndedWorseReason => string.Create(CultureInfo.InvariantCulture,
        $"the smoothed loss ended at {_smoothedLoss:G4}, over twice its best {_bestSmoothedLoss:G4}");
    /// <summary>Whether the last step was unhealthy.</summary>
    public bool Unhealthy => _unhealthyInARow > 0;
    /// <summary>Whether the current weights are non-finite or grown beyond the limit.</summary>
    public bool WeightsUnhealthy => !_startWeightsHealthy;

    /// <summary>Call before each step: remembers the weights it starts from.</summary>
    public void BeforeStep() => _checkpoint.BeforeStep();

    /// <summary>Judges a finished step (its record and the weights it left); true when the run has diverged.</summary>
    public bool AfterStep(StepRecord record)
    {
        double loss = record.Loss;
        string? problem = null;
        if (!double.IsFinite(loss)) problem = string.Create(CultureInfo.InvariantCulture, $"the loss was {loss} at step {record.Step}");
        else if (record.Flags.HasFlag(StepFlags.NonFinite)) problem = $"step {record.Step} was skipped: its gradient, direction or curvature was not finite, or its learning rate was not finite or beyond the weights' float range";
        else
        {
            double factor = _options.DivergenceLossFactor;
            if (double.IsNaN(_firstLoss)) _firstLoss = _smoothedLoss = loss;
            if (loss > factor * Math.Max(_firstLoss, 1e-12))
                problem = string.Create(CultureInfo.InvariantCulture, $"the loss {loss:G4} at step {record.Step} exceeded {factor:G3}× the first step's {_firstLoss:G4}");
            else
            {
                _smoothedLoss = Smoothing * _smoothedLoss + (1 - Smoothing) * loss;
                if (_smoothedLoss > RelapseFactor * _bestSmoothedLoss && _smoothedLoss > _firstLoss / factor)
                    problem = string.Create(CultureInfo.InvariantCulture, $"the smoothed loss rose to {_smoothedLoss:G4} at step {record.Step}, over {RelapseFactor:G3}× its best {_bestSmoothedLoss:G4}");
            }
        }

        // A healthy loss measured at healthy weights may become the fallback.
        if (problem is null && _startWeightsHealthy && _smoothedLoss <= _bestSmoothedLoss)
        {
            _bestSmoothedLoss = _smoothedLoss;
            _checkpoint.Promote(record.Step);
            CheckpointLoss = loss;
        }

        double norm = Math.Sqrt(ParameterVectors.Dot(_parameters, _parameters));
        _startWeightsHealthy = double.IsFinite(norm) && norm <= _weightLimit;
        if (problem is null && !_startWeightsHealthy)
            problem = string.Create(CultureInfo.InvariantCulture, $"the weights' norm reached {norm:G3} at step {record.Step}, beyond {_options.MaxWeightGrowth:G3}× the initial norm");

        if (problem is null)
        {
            _unhealthyInARow = 0;
            return false;
        }
        Reason = problem;
        if (_unhealthyInARow == 0) UnhealthySince = record.Step;
        return ++_unhealthyInARow >= _options.DivergencePatience;
    }

    /// <summary>Writes the checkpoint back into the parameters.</summary>
    public void Restore() => _checkpoint.Restore();

    /// <summary>Writes the weights the current step started from back into the parameters (a step abandoned midway).</summary>
    public void RestoreStepStart() => _checkpoint.RestorePending();

    public void Dispose() => _checkpoint.Dispose();
}
