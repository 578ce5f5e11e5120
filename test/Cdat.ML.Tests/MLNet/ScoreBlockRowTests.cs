using System.Reflection;
using Cdat.ML.MLNet;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.MLNet;

/// <summary>The 64 hand-spelled fields of the score block against its format constants.</summary>
[TestClass]
public sealed class ScoreBlockRowTests
{
    private static FieldInfo[] Fields() =>
        typeof(CdatScoreBlockRow).GetFields(BindingFlags.Instance | BindingFlags.Public).OrderBy(f => f.MetadataToken).ToArray();

    // ColumnNameAttribute keeps its name internal: read the constructor argument.
    private static string? ColumnNameOf(FieldInfo field) =>
        field.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType == typeof(ColumnNameAttribute))?.ConstructorArguments[0].Value as string;

    [TestMethod]
    public void FieldIIsNamedBiAndCarriesColumnNameI()
    {
        var fields = Fields();
        Assert.HasCount(CdatScoreBlockRow.Size, fields);
        for (int i = 0; i < fields.Length; i++)
        {
            Assert.AreEqual($"B{i:00}", fields[i].Name);
            Assert.AreEqual(typeof(float), fields[i].FieldType, fields[i].Name);
            Assert.AreEqual(CdatScoreBlockRow.ColumnName(i), ColumnNameOf(fields[i]), fields[i].Name);
        }
        Assert.AreEqual(CdatScoreBlockRow.Size, fields.Select(ColumnNameOf).Distinct().Count());
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(64)]
    public void FillCopiesScoreOffsetPlusIIntoFieldIAndZeroesPastTheEnd(int offset)
    {
        var scores = Enumerable.Range(0, 100).Select(i => i + 0.5f).ToArray();
        var row = new CdatScoreBlockRow();
        row.Fill(scores, offset);
        var fields = Fields();
        for (int i = 0; i < fields.Length; i++)
            Assert.AreEqual(offset + i < scores.Length ? scores[offset + i] : 0f, (float)fields[i].GetValue(row)!, fields[i].Name);
    }
}

/// <summary>The one flat form of a step: every field of the record has its column.</summary>
[TestClass]
public sealed class TraceColumnsTests
{
    [TestMethod]
    public void EveryStepRecordPropertyIsAColumnAndMissingValuesAreNaN()
    {
        var ml = new Microsoft.ML.MLContext(seed: 0);
        var record = new Cdat.ML.Diagnostics.StepRecord { Step = 3, Epoch = 1, Loss = 0.5, LearningRate = 0.1, Sharpness = 4, Flags = Cdat.ML.Diagnostics.StepFlags.NonDescent | Cdat.ML.Diagnostics.StepFlags.CurvatureEstimated };
        var view = CdatModel.TraceToDataView(ml, new[] { record });
        var columns = view.Schema.Select(c => c.Name).ToHashSet();
        var properties = typeof(Cdat.ML.Diagnostics.StepRecord).GetProperties(BindingFlags.Instance | BindingFlags.Public)
            .Where(p => p.Name != "EqualityContract").Select(p => p.Name).ToArray();
        CollectionAssert.AreEquivalent(properties, columns.ToArray());

        var edge = view.GetColumn<double>("Edge").Single();
        Assert.AreEqual(0.2, edge, 1e-12);
        Assert.IsTrue(double.IsNaN(view.GetColumn<double>("Curvature").Single()));
        Assert.AreEqual("NonDescent|CurvatureEstimated", view.GetColumn<string>("Flags").Single());
    }
}
