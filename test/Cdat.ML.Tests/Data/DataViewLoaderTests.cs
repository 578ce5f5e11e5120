using Cdat.ML.Data;

namespace Cdat.ML.Tests.Data;

[TestClass]
public sealed class DataViewLoaderTests
{
    [TestMethod]
    public void CrossValidationFoldsPartitionTheRows()
    {
        const int rows = 157, folds = 5;
        var seen = new List<int>();
        for (int i = 0; i < folds; i++)
        {
            var (validation, training) = DataViewLoader.Holdout.Split(new DataViewLoader.Holdout(0, long.MaxValue, 0, new DataViewLoader.Fold(i, folds)), rows, seed: 3);
            Assert.AreEqual(rows, validation.Length + training.Length);
            Assert.IsTrue(validation.Length is 31 or 32, $"fold {i}: {validation.Length} rows");
            Assert.IsFalse(validation.Intersect(training).Any());
            CollectionAssert.AreEqual(training.Order().ToArray(), training, "training rows keep their order");
            seen.AddRange(validation);
        }
        CollectionAssert.AreEquivalent(Enumerable.Range(0, rows).ToArray(), seen, "each row is held out exactly once");
        // A plain holdout still holds nothing out of data under its minimum.
        Assert.AreEqual(0, DataViewLoader.Holdout.Split(new DataViewLoader.Holdout(0.1, 10_000, 200), 150, 3).Validation.Length);
    }
}
