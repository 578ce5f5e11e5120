using Cdat.ML.Data;

namespace Cdat.ML.Tests.Data;

[TestClass]
public sealed class RobustScalingTests
{
    private static Cdat.ML.Scoring.FeatureScaler Fit(IEnumerable<float[]> rows, int width, long seed = 1)
    {
        var robust = new RobustScaling(width, seed);
        foreach (var row in rows) robust.Add(row);
        return robust.Finish();
    }

    [TestMethod]
    public void CentresOnTheMedianAndDividesByTheInterquartileRange()
    {
        // 1..101: median 51, quartiles 26 and 76.
        var scaler = Fit(Enumerable.Range(1, 101).Select(i => new[] { (float)i }), 1);
        Assert.AreEqual(51f, scaler.Center[0]);
        Assert.AreEqual(1 / 50f, scaler.Factor[0], 1e-9f);
        Assert.AreEqual(RobustScaling.ClipBound, scaler.ClipBound);
    }

    [TestMethod]
    public void CoincidingQuartilesFallBackToHalfTheRangeAndAConstantIsDropped()
    {
        // A rare indicator (quartiles both 0, range 0..1) and a constant.
        var rows = Enumerable.Range(0, 200).Select(i => new[] { i % 50 == 0 ? 1f : 0f, 7f });
        var scaler = Fit(rows, 2);
        Assert.AreEqual(0f, scaler.Center[0]);
        Assert.AreEqual(2f, scaler.Factor[0]);
        Assert.AreEqual(7f, scaler.Center[1]);
        Assert.AreEqual(0f, scaler.Factor[1]);
    }

    [TestMethod]
    public void BeyondItsSampleTheRangeStillSeesEveryRow()
    {
        // A sample of 10 rows of 1000 (as wide rows get few); a value seen once, at most likely outside the sample, still
        // sets the range, and a value inside the quartiles' sample alone would not.
        foreach (int at in new[] { 3, 517, 999 })
        {
            var robust = new RobustScaling(1, 3, sampleRows: 10);
            for (int i = 0; i < 1000; i++) robust.Add(new[] { i == at ? 8f : 0f });
            Assert.AreEqual(0.25f, robust.Finish().Factor[0], $"the 8 at row {at}");
        }
    }

    [TestMethod]
    public void TheSampleIsSeeded()
    {
        var random = new Random(5);
        var rows = Enumerable.Range(0, 100_000).Select(_ => new[] { (float)random.NextDouble() }).ToArray();
        var a = Fit(rows, 1, seed: 7);
        var b = Fit(rows, 1, seed: 7);
        var c = Fit(rows, 1, seed: 8);
        Assert.AreEqual(a.Center[0], b.Center[0]);
        Assert.AreEqual(a.Factor[0], b.Factor[0]);
        // A sample of 65,536 of 100,000 uniform values: both medians within 0.01 of the true 0.5.
        Assert.AreEqual(0.5, a.Center[0], 0.01);
        Assert.AreEqual(0.5, c.Center[0], 0.01);
    }

    [TestMethod]
    public void QuantilesBySelectionEqualThoseOfTheSortedValues()
    {
        var random = new Random(8);
        foreach (int length in new[] { 1, 2, 3, 4, 5, 10, 101, 1000, 4097 })
            foreach (bool oneHot in new[] { false, true })
            {
                var values = Enumerable.Range(0, length).Select(_ => oneHot ? (random.Next(10) == 0 ? 1f : 0f) : (float)Math.Round(random.NextDouble() * 20 - 10, 1)).ToArray();
                var sorted = values.Order().ToArray();
                foreach (double q in new[] { 0.0, 0.25, 0.5, 0.75, 1.0 })
                {
                    double position = q * (length - 1);
                    int low = (int)Math.Floor(position), high = Math.Min(low + 1, length - 1);
                    double expected = sorted[low] + (position - low) * ((double)sorted[high] - sorted[low]);
                    Assert.AreEqual(expected, RobustScaling.Quantile((float[])values.Clone(), q), 1e-12, $"{length} values{(oneHot ? " of 0 and 1" : "")}, quantile {q}");
                }
            }
    }
}
