using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Samples.Suite;

/// <summary>Test metrics of one fitted model: the task's two headline numbers, the fit time and (classification) the log-loss.</summary>
internal sealed record SuiteScore(double Metric, double Second, double Seconds, double LogLoss = double.NaN)
{
    /// <summary>The metric names of a task; the first (higher is better) ranks the trainers.</summary>
    public static (string First, string Second) Names(CdatTask task) => task switch
    {
        CdatTask.Regression => ("R²", "RMSE"),
        CdatTask.BinaryClassification => ("AUC", "log-loss"),
        _ => ("accuracy", "macro-accuracy"),
    };

    /// <summary>Scores <paramref name="model"/> on <paramref name="test"/>.</summary>
    public static SuiteScore Evaluate(MLContext ml, CdatTask task, ITransformer model, IDataView test, double seconds)
    {
        var scored = model.Transform(test);
        switch (task)
        {
            case CdatTask.Regression:
                var r = ml.Regression.Evaluate(scored);
                return new(r.RSquared, r.RootMeanSquaredError, seconds);
            case CdatTask.BinaryClassification:
                // Calibrated trainers report log-loss; others (FastTree without calibration) report NaN there.
                var b = ml.BinaryClassification.Evaluate(scored);
                return new(b.AreaUnderRocCurve, b.LogLoss, seconds, b.LogLoss);
            default:
                var m = ml.MulticlassClassification.Evaluate(scored);
                return new(m.MicroAccuracy, m.MacroAccuracy, seconds, m.LogLoss);
        }
    }
}

/// <summary>One trainer of the suite: a name and a factory of its estimator for a seed.</summary>
internal sealed record SuiteTrainer(string Name, Func<MLContext, int, IEstimator<ITransformer>> Create)
{
    /// <summary>ML.NET's own trainers for <paramref name="task"/>, at their defaults, LightGbm first (the time reference).</summary>
    public static IReadOnlyList<SuiteTrainer> MLNet(CdatTask task) => task switch
    {
        CdatTask.Regression => new SuiteTrainer[]
        {
            new("LightGbm", (ml, _) => ml.Regression.Trainers.LightGbm()),
            new("FastTree", (ml, _) => ml.Regression.Trainers.FastTree()),
            new("SDCA", (ml, _) => ml.Regression.Trainers.Sdca()),
            new("L-BFGS Poisson", (ml, _) => ml.Regression.Trainers.LbfgsPoissonRegression()),
        },
        CdatTask.BinaryClassification => new SuiteTrainer[]
        {
            new("LightGbm", (ml, _) => ml.BinaryClassification.Trainers.LightGbm()),
            new("FastTree", (ml, _) => ml.BinaryClassification.Trainers.FastTree()),
            new("SDCA logistic", (ml, _) => ml.BinaryClassification.Trainers.SdcaLogisticRegression()),
            new("L-BFGS logistic", (ml, _) => ml.BinaryClassification.Trainers.LbfgsLogisticRegression()),
        },
        _ => new SuiteTrainer[]
        {
            new("LightGbm", (ml, _) => ml.MulticlassClassification.Trainers.LightGbm()),
            new("FastTree (one vs all)", (ml, _) => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree())),
            new("SDCA max-entropy", (ml, _) => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()),
            new("L-BFGS max-entropy", (ml, _) => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy()),
        },
    };

    /// <summary>The Cdat trainer of <paramref name="task"/> with <paramref name="options"/> (seeded per run).</summary>
    public static IEstimator<ITransformer> Cdat(MLContext ml, CdatTask task, CdatTrainer.Options options) => task switch
    {
        CdatTask.Regression => ml.Regression.Trainers.Cdat(options),
        CdatTask.BinaryClassification => ml.BinaryClassification.Trainers.Cdat(options),
        _ => ml.MulticlassClassification.Trainers.Cdat(options),
    };

    /// <summary>Fits and scores, timing the fit alone; <paramref name="inspect"/> sees the fitted model.</summary>
    public SuiteScore Run(MLContext ml, CdatTask task, IDataView train, IDataView test, int seed, Action<ITransformer>? inspect = null)
    {
        var estimator = Create(ml, seed);
        var clock = Stopwatch.StartNew();
        var model = estimator.Fit(train);
        clock.Stop();
        inspect?.Invoke(model);
        return SuiteScore.Evaluate(ml, task, model, test, clock.Elapsed.TotalSeconds);
    }
}
