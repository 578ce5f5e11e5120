using Cdat.ML.MLNet;
using Cdat.ML.Networks;
using Cdat.ML.Scoring;
using Cdat.ML.Training;

namespace Cdat.ML.Tests.Scoring;

[TestClass]
public sealed class OutputFunctionsTests
{
    private static readonly float[] Logits = { -4.79f, -0.91f, 4.97f, -4.44f, -2.46f, -3.08f, 3.13f, 12.31f, 1.88f, -1.37f };

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void PredictedLabelIsTheTopScoreWithAndWithoutFlushToZero(bool flushToZero)
    {
        // A linear model with zero weights outputs its biases: the logits above, for any features.
        var model = Model(CdatTask.MulticlassClassification, Logits);
        var row = new CdatMulticlassRow();
        var blob = ModelBlob.Encode(model).AsMemory();
        OnThread(flushToZero, () => CdatMulticlassFactory.Map(new CdatScoringRow { Features = new float[3], ModelBlob = blob }, row));
        Assert.AreEqual(7u, row.PredictedIndex);
        Assert.AreEqual(7, Array.IndexOf(row.Scores, row.Scores.Max()));
    }

    [TestMethod]
    public void ArgMaxIsTheFirstLargestOrNoneWithNaN()
    {
        Assert.AreEqual(7, OnThread(true, () => OutputFunctions.ArgMax(Logits)));
        Assert.AreEqual(1, OutputFunctions.ArgMax(new[] { 1f, 3f, 3f }));
        Assert.AreEqual(-1, OutputFunctions.ArgMax(new[] { 2f, 1f, float.NaN }));
        Assert.AreEqual(-1, OutputFunctions.ArgMax(new[] { float.NaN, float.NaN }));
        Assert.AreEqual(1, OutputFunctions.ArgMax(new[] { 1e-40f, 2e-40f }));  // denormals stay ordered with FTZ off
    }

    [TestMethod]
    [DataRow(new[] { 89f, 0f, 0f })]
    [DataRow(new[] { 100f, 99f, 98f })]
    [DataRow(new[] { 3e38f, -3e38f, 0f })]
    [DataRow(new[] { -1000f, -1001f, -1002f })]
    public void SoftmaxIsAProbabilityAtAnyFiniteLogits(float[] logits)
    {
        var p = new float[logits.Length];
        OutputFunctions.Softmax(logits, p);
        Assert.IsTrue(p.All(v => float.IsFinite(v) && v >= 0 && v <= 1), string.Join(", ", p));
        Assert.AreEqual(1.0, p.Sum(v => (double)v), 1e-6);
        // Shift invariance: the reference is computed in double after subtracting the maximum.
        double max = logits.Max(), z = logits.Sum(v => Math.Exp(v - max));
        for (int i = 0; i < p.Length; i++) Assert.AreEqual(Math.Exp(logits[i] - max) / z, p[i], 1e-6);
    }

    [TestMethod]
    public void SoftmaxOfANaNLogitIsNaNAndInfinitiesShareTheMass()
    {
        var p = new float[3];
        OutputFunctions.Softmax(new[] { 1f, float.NaN, 0f }, p);
        Assert.IsTrue(p.All(float.IsNaN));
        OutputFunctions.Softmax(new[] { float.PositiveInfinity, 0f, float.PositiveInfinity }, p);
        CollectionAssert.AreEqual(new[] { 0.5f, 0f, 0.5f }, p);
    }

    [TestMethod]
    public void SigmoidIsStableAtBothEnds()
    {
        Assert.AreEqual(1f, OutputFunctions.Sigmoid(100f));
        Assert.AreEqual(0f, OutputFunctions.Sigmoid(-1e30f));
        Assert.AreEqual((float)3.7200759760208356e-44, OutputFunctions.Sigmoid(-100f));
        Assert.AreEqual(0.5f, OutputFunctions.Sigmoid(0f));
        Assert.AreEqual(1 / (1 + Math.Exp(-2.5)), OutputFunctions.Sigmoid(2.5f), 1e-7);
        Assert.IsTrue(float.IsNaN(OutputFunctions.Sigmoid(float.NaN)));
    }

    [TestMethod]
    public void BinaryProbabilitiesStayOffZeroAndOneSoLogLossIsFinite()
    {
        Assert.AreEqual(1f - OutputFunctions.ProbabilityFloor, OutputFunctions.Probability(40f));
        Assert.AreEqual(OutputFunctions.ProbabilityFloor, OutputFunctions.Probability(-1e30f));
        Assert.AreEqual(OutputFunctions.Sigmoid(1.5f), OutputFunctions.Probability(1.5f));
        Assert.IsLessThan(1f, OutputFunctions.Probability(float.MaxValue));
        Assert.IsTrue(double.IsFinite(-Math.Log(OutputFunctions.Probability(-100f))));
        var row = new CdatBinaryRow();
        CdatBinaryFactory.Map(new CdatScoringRow { Features = new float[3], ModelBlob = ModelBlob.Encode(Model(CdatTask.BinaryClassification, new[] { -60f })).AsMemory() }, row);
        Assert.IsFalse(row.PredictedLabel);
        Assert.AreEqual(OutputFunctions.ProbabilityFloor, row.Probability);
    }

    [TestMethod]
    public void MulticlassScoresStayFiniteAtLargeLogits()
    {
        var model = Model(CdatTask.MulticlassClassification, new[] { 96.9f, 0f, -5f });
        var row = new CdatMulticlassRow();
        CdatMulticlassFactory.Map(new CdatScoringRow { Features = new float[3], ModelBlob = ModelBlob.Encode(model).AsMemory() }, row);
        Assert.AreEqual(0u, row.PredictedIndex);
        Assert.IsTrue(row.Scores.All(float.IsFinite), string.Join(", ", row.Scores));
        Assert.AreEqual(1f, row.Scores[0]);
    }

    [TestMethod]
    [DataRow(Activation.Tanh)]
    [DataRow(Activation.Relu)]
    [DataRow(Activation.Gelu)]
    public void TheManagedForwardPassIsTheSameWithFlushToZero(Activation activation)
    {
        // No denormal arises from these values: any difference would come from a vectorised routine (dot product, tanh,
        // max) that, like IndexOfMax, reads integer bit patterns as floats.
        var random = new Random(3);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        var network = new MlpWeights(new[] { new DenseLayer(8, 16, Values(128), Values(16)), new DenseLayer(16, 5, Values(80), Values(5)) }, activation);
        var input = Values(8);
        var plain = OnThread(false, () => { var y = new float[5]; network.Forward(input, y); return y; });
        var flushed = OnThread(true, () => { var y = new float[5]; network.Forward(input, y); return y; });
        CollectionAssert.AreEqual(plain, flushed);
    }

    internal static CdatModelParameters Model(CdatTask task, float[] outputs, int features = 3, string[]? classNames = null)
    {
        var layer = new DenseLayer(features, outputs.Length, new float[features * outputs.Length], outputs);
        var names = task == CdatTask.MulticlassClassification
            ? classNames ?? Enumerable.Range(0, outputs.Length).Select(i => $"c{i}").ToArray()
            : Array.Empty<string>();
        var metrics = new CdatTrainingMetrics(0, 0, null, 0, 0, 0, 0, null, null, 0, 0, false, false, "Completed", 0, "test", "test", "cpu");
        return new CdatModelParameters(task, new MlpWeights(new[] { layer }, Activation.Tanh), names, metrics);
    }

    /// <summary>Runs <paramref name="action"/> on a new thread, with flush-to-zero and denormals-are-zero on if asked.</summary>
    internal static void OnThread(bool flushToZero, Action action) => OnThread(flushToZero, () => { action(); return 0; });

    internal static T OnThread<T>(bool flushToZero, Func<T> function)
    {
        if (flushToZero && !Denormals.Supported) Assert.Inconclusive("Flush-to-zero can be switched on x64 Linux only.");
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            if (flushToZero) Denormals.FlushToZero();
            try { result = function(); }
            catch (Exception e) { error = e; }
            finally { if (flushToZero) Denormals.FlushToZero(false); }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw new AggregateException(error);
        return result;
    }
}
