using Cdat.ML.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.MLNet;

[TestClass]
public sealed class TemperatureScalingTests
{
    /// <summary>Rows whose classes are drawn from softmax(z), reported with logits <paramref name="overconfidence"/>× too large.</summary>
    private static (List<double[]> Logits, List<int> Targets) Drawn(int rows, int classes, double overconfidence, int seed)
    {
        var random = new Random(seed);
        var logits = new List<double[]>();
        var targets = new List<int>();
        for (int r = 0; r < rows; r++)
        {
            var z = Enumerable.Range(0, classes).Select(_ => 2 * (random.NextDouble() - 0.5) * 3).ToArray();
            var p = z.Select(Math.Exp).ToArray();
            double u = random.NextDouble() * p.Sum(), acc = 0;
            int y = 0;
            while ((acc += p[y]) < u) y++;
            logits.Add(z.Select(v => v * overconfidence).ToArray());
            targets.Add(classes == 1 ? (random.NextDouble() < 1 / (1 + Math.Exp(-z[0])) ? 1 : 0) : y);
        }
        return (logits, targets);
    }

    [TestMethod]
    [DataRow(5, 3.0)]
    [DataRow(5, 0.8)]
    [DataRow(1, 4.0)]
    public void ItFindsTheFactorThatUndoesAMisscaledLogit(int classes, double overconfidence)
    {
        var (logits, targets) = Drawn(20_000, classes, overconfidence, seed: 7);
        double factor = TemperatureScaling.Fit(logits, targets, binary: classes == 1);
        // 20,000 rows: the maximum-likelihood factor lies within 10% of the true 1/overconfidence.
        Assert.AreEqual(1 / overconfidence, factor, 0.1 / overconfidence, $"factor {factor}");
    }

    [TestMethod]
    public void SeparatedOrMissingRowsStayWithinItsBounds()
    {
        var separated = new List<double[]> { new[] { 5.0, -5.0 }, new[] { -4.0, 4.0 } };
        Assert.AreEqual(TemperatureScaling.MaxFactor, TemperatureScaling.Fit(separated, new[] { 0, 1 }, binary: false));
        Assert.AreEqual(TemperatureScaling.MinFactor, TemperatureScaling.Fit(separated, new[] { 1, 0 }, binary: false));
        Assert.AreEqual(1.0, TemperatureScaling.Fit(Array.Empty<double[]>(), Array.Empty<int>(), binary: true));
    }

    [TestMethod]
    public void TheTrainerTempersProbabilitiesButKeepsRankingAndClasses()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = Datasets.Digits(ml);
        var prep = Datasets.DigitsPrep(ml).Fit(train);
        IDataView fit = prep.Transform(train), check = prep.Transform(test);
        // A temperature needs held-out rows, so the tempered run trains one network: the plain one does too (no folds).
        CdatTransformer Train(bool tempered) => ml.MulticlassClassification.Trainers.Cdat(new CdatTrainer.Options { Seed = 2, MaxSteps = 80, TemperatureScaling = tempered, SmallDataFolds = 0 }).Fit(fit);
        var plain = Train(false);
        var tempered = Train(true);
        StringAssert.Contains(tempered.TrainingMetrics.Regime.Description, "probabilities tempered on the validation rows");
        uint[] Labels(ITransformer m) => m.Transform(check).GetColumn<uint>("PredictedLabel").ToArray();
        CollectionAssert.AreEqual(Labels(plain), Labels(tempered));
        var scores = tempered.Transform(check).GetColumn<float[]>("Score").First();
        Assert.AreEqual(1.0, scores.Sum(), 1e-4);
        Assert.AreNotEqual(
            ml.MulticlassClassification.Evaluate(plain.Transform(check)).LogLoss,
            ml.MulticlassClassification.Evaluate(tempered.Transform(check)).LogLoss);
        // Regression has no probabilities: the option leaves it alone.
        var (dtrain, _) = Datasets.Diabetes(ml);
        var data = Datasets.DiabetesPrep(ml).Fit(dtrain).Transform(dtrain);
        var regression = ml.Regression.Trainers.Cdat(new CdatTrainer.Options { Seed = 2, MaxSteps = 30, TemperatureScaling = true }).Fit(data);
        StringAssert.DoesNotMatch(regression.TrainingMetrics.Regime.Description, new System.Text.RegularExpressions.Regex("tempered"));
    }
}
