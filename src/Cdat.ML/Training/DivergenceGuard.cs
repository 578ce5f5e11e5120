using System.Globalization;
using Cdat.ML.Curvature;
using Cdat.ML.Diagnostics;
using static TorchSharp.torch;

namespace Cdat.ML.Training;

/// <summary>
/// Watches a run for divergence, finite or not, and keeps good weights to fall back on. A step is unhealthy when its
/// loss is non-finite or above <see cref="TrainingOptions.DivergenceLossFactor"/> times the first step's loss, when it
/// was skipped for a non-finite value, or when the weights it leaves are non-finite or grew beyond
/// <see cref="TrainingOptions.MaxWeightGrowth"/> times their initial norm. <see cref="TrainingOptions.DivergencePatience"/>
/// unhealthy steps in a row mean divergence. The fallback (checkpoint) is the weights of the last healthy step whose
/// loss was within <see cref="CheckpointFactor"/> of the best loss seen, so a rollback never lands on weights that were
/// already blowing up while their loss stayed finite.
/// </summary>
internal sealed class DivergenceGuard : IDisposable
{
    /// <summary>A step's starting weights become the checkpoint when its loss is at most this multiple of the best.</summary>
    public const double CheckpointFactor = 2.0;

    private readonly Tensor[] _parameters;
    private readonly LastGoodWeights _checkpoint;
    private readonly TrainingOptions _options;
    private readonly double _weightLimit;
    private double _firstLoss = double.NaN, _bestLoss = double.PositiveInfinity;
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
    /// <summary>Whether the last step was unhealthy.</summary>
    public bool Unhealthy => _unhealthyInARow > 0;

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
            if (double.IsNaN(_firstLoss)) _firstLoss = loss;
            double limit = _options.DivergenceLossFactor * Math.Max(_firstLoss, 1e-12);
            if (loss > limit)
                problem = string.Create(CultureInfo.InvariantCulture, $"the loss {loss:G4} at step {record.Step} exceeded {_options.DivergenceLossFactor:G3}× the first step's {_firstLoss:G4}");
        }

        // A healthy loss measured at healthy weights may become the fallback.
        if (problem is null && _startWeightsHealthy)
        {
            _bestLoss = Math.Min(_bestLoss, loss);
            if (loss <= CheckpointFactor * _bestLoss)
            {
                _checkpoint.Promote(record.Step);
                CheckpointLoss = loss;
            }
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

    public void Dispose() => _checkpoint.Dispose();
}
