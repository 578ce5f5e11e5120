using System.Globalization;
using Cdat.ML.Tests.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.Persistence;

/// <summary>Models saved by earlier versions (and ML.NET releases) load and score as they did.</summary>
[TestClass]
public sealed class OlderModelsTests
{
    private static string Fixture(string file) => Path.Combine(AppContext.BaseDirectory, "Persistence", "Fixtures", file);

    [TestMethod]
    public void AFormat2ModelSavedWithMLNet5ScoresAsItDidThen()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Model.Load(Fixture("digits-0.3-format2.zip"), out _);
        var cdat = CdatModel.FromLoaded(model).Single();
        Assert.IsNull(cdat.Network.InputScaler, "format 2 knew no input scaling");
        var rows = ml.Data.TakeRows(Datasets.All(ml), 20);
        var scores = model.Transform(rows).GetColumn<float[]>("Score").ToArray();
        var then = File.ReadAllLines(Fixture("digits-0.3-format2-scores.csv"))
            .Select(line => line.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.AreEqual(then.Length, scores.Length);
        for (int r = 0; r < then.Length; r++)
            for (int k = 0; k < then[r].Length; k++)
                Assert.AreEqual(then[r][k], scores[r][k], 1e-6f * Math.Max(1f, Math.Abs(then[r][k])), $"row {r}, class {k}");
    }
}
