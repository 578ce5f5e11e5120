using Cdat.ML.Curvature;
using Cdat.ML.Diagnostics;
using Cdat.ML.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Training.Steps;

/// <summary>
/// When and on what uᵀHu is measured: exactly every <see cref="OptimizerOptions.CurvatureEvery"/> steps (on the whole
/// batch, or a subsample of it); in between, extrapolated from the largest magnitude of the last few directional
/// sharpnesses, which errs toward smaller steps (the directional sharpness swings with the direction).
/// </summary>
internal sealed class CurvatureSchedule(OptimizerOptions options) : IDisposable
{
    private const int RecentMeasurements = 3;
    private readonly Queue<double> _recent = new();
    private readonly Generator _generator = new((ulong)options.Seed);

    /// <summary>Whether step <paramref name="step"/> measures exactly (always, until a first measurement exists).</summary>
    public bool IsDue(long step, bool tunerUsesCurvature) =>
        tunerUsesCurvature && (_recent.Count == 0 || options.CurvatureEvery == 1 || (step - 1) % options.CurvatureEvery == 0);

    /// <summary>Whether an exact measurement on <paramref name="objective"/> uses a subsample of its rows.</summary>
    public bool Subsamples(IObjective objective) => options.CurvatureSubsampleRows is long rows && rows < objective.Rows;

    /// <summary>
    /// uᵀHu along <paramref name="direction"/>: measured when <paramref name="due"/> (or nothing is known yet), on the Hessian of the
    /// gradient's kept graph <paramref name="retained"/> when there is one; else extrapolated.
    /// </summary>
    public (double Value, StepFlags Flags) Measure(bool due, Tensor[] parameters, IObjective objective, HessianOperator? retained,
                                                   IReadOnlyList<Tensor> direction, double directionNormSquared)
    {
        if (!due && _recent.Count > 0) return (_recent.Max(Math.Abs) * directionNormSquared, StepFlags.CurvatureEstimated);

        using var scope = torch.NewDisposeScope();
        double value;
        var flags = StepFlags.None;
        if (due && Subsamples(objective))
        {
            var sub = objective.Subsample(options.CurvatureSubsampleRows!.Value, _generator);
            value = Quadratic(parameters, sub, null, direction);
            flags = StepFlags.CurvatureSubsampled;
        }
        else
        {
            value = Quadratic(parameters, objective, retained, direction);
        }
        if (double.IsFinite(value) && directionNormSquared > 0)
        {
            _recent.Enqueue(value / directionNormSquared);
            if (_recent.Count > RecentMeasurements) _recent.Dequeue();
        }
        return (value, flags);
    }

    /// <summary>Forgets the measurements and reseeds the subsamples: as new.</summary>
    /// <summary>uᵀHu: on a graph kept by the gradient pass, else by hand for the trainer's perceptron, else by double backward.</summary>
    private static double Quadratic(Tensor[] parameters, IObjective objective, HessianOperator? retained, IReadOnlyList<Tensor> direction)
    {
        if (retained is not null) return retained.Quadratic(direction);
        if (objective is SupervisedObjective supervised && supervised.Analytic(parameters) is { } analytic) return analytic.Quadratic(direction);
        return new HessianOperator(parameters, objective).Quadratic(direction);
    }

    public void Reset()
    {
        _recent.Clear();
        _generator.manual_seed(options.Seed);
    }

    public void Dispose() => _generator.Dispose();
}
