using System.Diagnostics;
using Cdat.ML.Directions;
using Cdat.ML.Networks;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Training;

[TestClass]
public sealed class MemoryTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void TwoThousandStepsWithHessianVectorProductsLeaveNoLiveTensorsBehind()
    {
        using var outer = NewDisposeScope();
        var (x, labels) = TestData.Digits();
        var y = Losses.OneHot(labels, 10);
        var net = new MultilayerPerceptron(64, new[] { 32, 32 }, 10).Build(seed: 0);
        using var dir = new AdamDirection();
        using var opt = new CurvatureAwareOptimizer(net.parameters(), dir, new CdatTuner(sigma: 1, beta: 0.9),
                                                    new OptimizerOptions { SharpnessEvery = 100, SharpnessIterations = 10 });
        var objective = new Cdat.ML.Objectives.SupervisedObjective(net, Losses.SquaredError, x.narrow(0, 0, 256), y.narrow(0, 0, 256));

        static long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        long live = 0, rssEarly = 0;
        for (int step = 1; step <= 2000; step++)
        {
            var r = opt.Step(objective);
            Assert.IsTrue(double.IsFinite(r.Loss));
            if (step == 200) { live = Live(); rssEarly = Rss(); }
        }
        long liveEnd = Live(), rssEnd = Rss();
        TestContext.WriteLine($"live tensors {live} -> {liveEnd}; RSS {rssEarly >> 20} MiB -> {rssEnd >> 20} MiB");
        Assert.AreEqual(live, liveEnd, "live tensors grow: something escapes its dispose scope");
        Assert.IsTrue(rssEnd - rssEarly < 200L << 20, $"RSS grew by {(rssEnd - rssEarly) >> 20} MiB");
    }

    private static long Rss()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }
}
