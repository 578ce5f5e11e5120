using System.Globalization;
using Cdat.ML.Tuners;
using Microsoft.ML;

namespace Cdat.ML.TrainCheck;

/// <summary>
/// Drives every number a rule or option carries with extreme values (±0, denormals, 1e±38, 1e±300, NaN, ±∞, −1), in
/// float32 and float64, for a few steps each. A case ends "trained" (the weights are finite), "rejected &lt;setting&gt;"
/// (an ArgumentException that names it) or "failed &lt;type&gt;: &lt;message&gt;"; each case is printed before it runs,
/// so a process that dies shows which one killed it.
/// </summary>
internal static class Fuzz
{
    public static readonly double[] Values =
    {
        0.0, -0.0, double.Epsilon, 1e-310, 1e-45, 1e-38, 1e38, 3.5e38, 1e-300, 1e300,
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1.0, double.MaxValue,
    };

    /// <summary>Each case sets one number of the options (the others at their defaults, gradient descent as direction).</summary>
    public static readonly (string Name, Action<CdatTrainer.Options, double> Set)[] Cases =
    {
        ("ConstantRule.LearningRate", (o, v) => o.Tuner = new ConstantRule(v)),
        ("ScheduleRule.PeakLearningRate", (o, v) => o.Tuner = new ScheduleRule { PeakLearningRate = v, WarmupSteps = 2 }),
        ("ArmijoRule.MaxLearningRate", (o, v) => o.Tuner = new ArmijoRule { MaxLearningRate = v }),
        ("PolyakRule.C", (o, v) => o.Tuner = new PolyakRule { C = v }),
        ("PolyakRule.MaxLearningRate", (o, v) => o.Tuner = new PolyakRule { MaxLearningRate = v }),
        ("PolyakRule.MaxLearningRate, C 1e-300", (o, v) => o.Tuner = new PolyakRule { MaxLearningRate = v, C = 1e-300 }),
        ("DogRule.RelativeInitialDistance", (o, v) => o.Tuner = new DogRule { RelativeInitialDistance = v }),
        ("CdatRule.Sigma", (o, v) => o.Tuner = new CdatRule { Sigma = v }),
        ("CdatRule.EmaBeta", (o, v) => o.Tuner = new CdatRule { EmaBeta = v }),
        ("CdatRule.Epsilon", (o, v) => o.Tuner = new CdatRule { Epsilon = v, EmaBeta = 0 }),
        ("CdatRule.MaxLearningRate", (o, v) => o.Tuner = new CdatRule { MaxLearningRate = v }),
        ("CustomRule's tuner returns", (o, v) => o.Tuner = new CustomRule(() => new Fixed(v))),
        ("MomentumRule.Momentum", (o, v) => (o.Direction, o.Tuner) = (new MomentumRule { Momentum = v }, new ConstantRule(0.1))),
        ("RmsPropRule.Decay", (o, v) => o.Direction = new RmsPropRule { Decay = v }),
        ("AdamRule.Beta1", (o, v) => o.Direction = new AdamRule { Beta1 = v }),
        ("AdamRule.Beta2", (o, v) => o.Direction = new AdamRule { Beta2 = v }),
        ("ProdigyRule.InitialD", (o, v) => (o.Direction, o.Tuner) = (new ProdigyRule { InitialD = v }, new ConstantRule(1))),
        ("ProdigyRule.Beta2", (o, v) => (o.Direction, o.Tuner) = (new ProdigyRule { Beta2 = v }, new ConstantRule(1))),
        ("ScheduleFreeAdamWRule.LearningRate", (o, v) => (o.Direction, o.Tuner) = (new ScheduleFreeAdamWRule { LearningRate = v }, new ConstantRule(1))),
        ("ScheduleFreeAdamWRule.WeightDecay", (o, v) => (o.Direction, o.Tuner) = (new ScheduleFreeAdamWRule { WeightDecay = v }, new ConstantRule(1))),
        ("ScheduleFreeAdamWRule.Beta1", (o, v) => (o.Direction, o.Tuner) = (new ScheduleFreeAdamWRule { Beta1 = v }, new ConstantRule(1))),
        ("Options.WeightDecay", (o, v) => o.WeightDecay = v),
        ("Options.WeightAverageDecay", (o, v) => (o.WeightAverageDecay, o.BatchSize) = (v, 64)),
        ("Options.ValidationFraction", (o, v) => o.ValidationFraction = v),
    };

    public static int Run(string[] args)
    {
        if (args.Length is < 1 or > 2)
        {
            Console.Error.WriteLine("usage: Cdat.ML.TrainCheck fuzz <digits.csv> [filter]");
            return 2;
        }
        var ml = new MLContext(seed: 1);
        var data = ml.Data.Cache(Digits.Load(ml, args[0], rows: 400));
        // Each case runs in every precision and in one of three regimes (in turn, to keep the run short): multiclass in
        // full batch, regression and binary classification in mini-batches of 64.
        var regimes = new (string Name, Func<CdatTrainer.Options, IEstimator<ITransformer>> Trainer)[]
        {
            ("multiclass, full batch", o => ml.MulticlassClassification.Trainers.Cdat(o)),
            ("regression, batches of 64", o => ml.Transforms.Conversion.ConvertType("Label", "Digit", Microsoft.ML.Data.DataKind.Single)
                .Append(ml.Regression.Trainers.Cdat(Batches(o)))),
            ("binary, batches of 64", o => ml.Transforms.CustomMapping((DigitRow d, BinaryLabel b) => b.Label = d.Digit < 5, null)
                .Append(ml.BinaryClassification.Trainers.Cdat(Batches(o)))),
        };
        var cases = Cases.Select((c, i) => (c.Name, c.Set, Index: i)).Where(c => args.Length < 2 || c.Name.Contains(args[1], StringComparison.Ordinal));
        foreach (var (name, set, index) in cases)
            foreach (bool float64 in new[] { false, true })
                for (int v = 0; v < Values.Length; v++)
                {
                    // Each value meets every regime across the cases and precisions.
                    double value = Values[v];
                    var regime = regimes[(index + v + (float64 ? 1 : 0)) % regimes.Length];
                    string label = $"{name} = {value.ToString("R", CultureInfo.InvariantCulture)} ({(float64 ? "float64" : "float32")}; {regime.Name})";
                    Console.WriteLine($"case {label}");
                    Console.Out.Flush();
                    Console.WriteLine($"  {Outcome(data, o => regime.Trainer(o), set, value, float64)}");
                }
        Console.WriteLine("done");
        return 0;
    }

    private static CdatTrainer.Options Batches(CdatTrainer.Options options)
    {
        options.BatchSize ??= 64;
        return options;
    }

    private static string Outcome(IDataView data, Func<CdatTrainer.Options, IEstimator<ITransformer>> trainer, Action<CdatTrainer.Options, double> set,
                                  double value, bool float64)
    {
        try
        {
            var options = new CdatTrainer.Options
            {
                Direction = new GradientDescentRule(), Tuner = new CdatRule(), MaxSteps = 12,
                HiddenLayers = new[] { 8 }, UseFloat64 = float64, Seed = 3, LogEvery = 0,
            };
            set(options, value);
            var fitted = trainer(options).Fit(data);
            var cdat = fitted as CdatTransformer ?? ((IEnumerable<ITransformer>)fitted).OfType<CdatTransformer>().Single();
            bool finite = cdat.Model.Network.Layers.All(l => l.Weight.Concat(l.Bias).All(float.IsFinite));
            return finite ? $"trained ({cdat.TrainingMetrics.StopReason})" : "failed: non-finite weights in the model";
        }
        catch (ArgumentException e)
        {
            return $"rejected {e.ParamName}: {e.Message.Split('\n')[0]}";
        }
        catch (Exception e)
        {
            return $"failed {e.GetType().Name}: {e.Message.Split('\n')[0]}";
        }
    }

    private sealed class DigitRow { public float Digit { get; set; } }
    private sealed class BinaryLabel { public bool Label { get; set; } }

    /// <summary>A custom tuner that returns one number every step.</summary>
    private sealed class Fixed(double rate) : ILearningRateTuner
    {
        public string Name => "fixed";
        public bool UsesCurvature => false;
        public long StepCount { get; private set; }
        public TunerStep Propose(IStepContext context) { StepCount++; return new TunerStep(rate); }
        public void Reset() => StepCount = 0;
    }
}
