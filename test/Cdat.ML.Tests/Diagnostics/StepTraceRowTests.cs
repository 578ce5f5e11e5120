using System.Reflection;
using Cdat.ML.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.Diagnostics;

/// <summary>The one flat form of a step: every field of the record has its column.</summary>
[TestClass]
public sealed class StepTraceRowTests
{
    [TestMethod]
    public void EveryStepRecordPropertyIsAColumnAndMissingValuesAreNaN()
    {
        var ml = new MLContext(seed: 0);
        var record = new StepRecord { Step = 3, Epoch = 1, Loss = 0.5, LearningRate = 0.1, Sharpness = 4, Flags = StepFlags.NonDescent | StepFlags.CurvatureEstimated };
        var view = CdatModel.TraceToDataView(ml, new[] { record });
        var columns = view.Schema.Select(c => c.Name).ToHashSet();
        var properties = typeof(StepRecord).GetProperties(BindingFlags.Instance | BindingFlags.Public)
            .Where(p => p.Name != "EqualityContract").Select(p => p.Name).ToArray();
        CollectionAssert.AreEquivalent(properties, columns.ToArray());

        var edge = view.GetColumn<double>("Edge").Single();
        Assert.AreEqual(0.2, edge, 1e-12);
        Assert.IsTrue(double.IsNaN(view.GetColumn<double>("Curvature").Single()));
        Assert.AreEqual("NonDescent|CurvatureEstimated", view.GetColumn<string>("Flags").Single());
    }
}
