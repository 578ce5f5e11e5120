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
