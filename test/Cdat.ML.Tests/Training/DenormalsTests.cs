using Cdat.ML.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Training;

[TestClass]
public sealed class DenormalsTests
{
    [TestMethod]
    public void FlushToZeroSetsTheCallingThreadsBitsAndLibtorchThenFlushes()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Assert.Inconclusive("The switch exists on x64 Linux only.");
        Assert.IsTrue(Denormals.Supported);
        // On a thread of its own, so that the test runner's threads keep their state.
        uint before = 0, on = 0, off = 0;
        float flushed = float.NaN;
        bool switched = false;
        var thread = new Thread(() =>
        {
            before = Mxcsr.Flags;
            switched = Denormals.FlushToZero();
            on = Mxcsr.Flags;
            using (var scope = NewDisposeScope()) flushed = (torch.tensor(1e-40f) * 1f).item<float>();  // 1e-40 is a float32 denormal
            Denormals.FlushToZero(false);
            off = Mxcsr.Flags;
        });
        thread.Start();
        thread.Join();

        Assert.IsTrue(switched);
        Assert.AreEqual(0u, before);
        Assert.AreEqual(Mxcsr.FlushToZero | Mxcsr.DenormalsAreZero, on);
        Assert.AreEqual(0f, flushed);
        Assert.AreEqual(0u, off, $"off = {off:X}");
    }

    /// <summary>The calling thread's SSE control bits, read through glibc's fegetenv (x64: MXCSR at byte 28 of fenv_t).</summary>
    private static class Mxcsr
    {
        public const uint FlushToZero = 0x8000, DenormalsAreZero = 0x40;

        public static uint Flags
        {
            get
            {
                var env = new byte[64];
                if (fegetenv(env) != 0) throw new InvalidOperationException("fegetenv failed");
                return BitConverter.ToUInt32(env, 28) & (FlushToZero | DenormalsAreZero);
            }
        }

        [System.Runtime.InteropServices.DllImport("libm.so.6")]
        private static extern int fegetenv(byte[] env);
    }

}
