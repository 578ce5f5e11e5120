using System.Runtime.CompilerServices;
using Cdat.ML.Objectives;
using Cdat.ML.Training;

namespace Cdat.ML.Tests.Objectives;

/// <summary>A batch's second half, run on a pool thread, computes as the caller's thread would and fails as itself.</summary>
[TestClass]
public sealed class AnalyticMlpPartsTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Product(float a, float b) => a * b;

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void TheSecondHalfComputesInTheCallersFlushToZeroMode(bool flush)
    {
        Assert.IsTrue(Denormals.Supported, "this build's libtorch exposes the switch on x64 Linux");
        // 1e-20 × 1e-20 is 1e-40, a float32 denormal: flushed to 0 in flush-to-zero mode, kept otherwise.
        float small = 1e-20f;
        // The pool's threads in the other mode, so that a half that kept its thread's mode would show.
        SetPoolThreads(!flush);
        Denormals.FlushToZero(flush);
        try
        {
            float first = float.NaN, second = float.NaN;
            for (int i = 0; i < 20; i++)  // a pool thread may or may not be new to the mode; try several
            {
                AnalyticMlp.Both(() => first = Product(small, small), () => second = Product(small, small));
                Assert.AreEqual(first, second, $"call {i}: the two halves computed in different modes");
                Assert.AreEqual(flush, second == 0f, $"call {i}: {second:G3}");
            }
        }
        finally
        {
            Denormals.FlushToZero(false);
            SetPoolThreads(false);
        }
    }

    /// <summary>Sets the mode on every thread the pool has now (each task waits for the others, so each has its own thread).</summary>
    private static void SetPoolThreads(bool flush)
    {
        int threads = Math.Max(2, ThreadPool.ThreadCount);
        using var barrier = new Barrier(threads);
        Task.WaitAll(Enumerable.Range(0, threads).Select(_ => Task.Run(() => { Denormals.FlushToZero(flush); barrier.SignalAndWait(TimeSpan.FromSeconds(5)); })).ToArray());
    }

    [TestMethod]
    public void AnExceptionInEitherHalfArrivesAsItselfAfterBothAreDone()
    {
        bool secondDone = false;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => AnalyticMlp.Both(() => throw new InvalidOperationException("first"),
            () => { Thread.Sleep(50); secondDone = true; }));
        Assert.AreEqual("first", e.Message);
        Assert.IsTrue(secondDone, "the second half finished before the first one's exception left");
        Assert.AreEqual("second", Assert.ThrowsExactly<ArgumentException>(() => AnalyticMlp.Both(() => { }, () => throw new ArgumentException("second"))).Message);
    }
}
