using System.Runtime.InteropServices;

namespace Cdat.ML.Training;

/// <summary>
/// Flush-to-zero for denormal numbers (below 1.2e-38 in float32), which cost tens to hundreds of cycles per operation on
/// x86 CPUs. Training breeds them (Adam's second moments of rarely active units, saturated activations), and a network's
/// CPU step time can double once they appear. libtorch's switch (<c>at::Context::setFlushDenormal</c>, PyTorch's
/// <c>torch.set_flush_denormal</c>) acts on the calling thread, and libtorch's worker threads inherit it only when they
/// are created after it: call <see cref="FlushToZero"/> at the start of the program, before any tensor operation.
/// </summary>
public static class Denormals
{
    private static readonly Func<bool, bool>? Switch = Bind();

    /// <summary>The mode this thread was given through <see cref="FlushToZero"/> (off until then).</summary>
    [ThreadStatic] private static bool _flushing;

    /// <summary>True where libtorch exposes the switch to this library (x64 Linux).</summary>
    public static bool Supported => Switch is not null;

    /// <summary>
    /// Turns flush-to-zero and denormals-are-zero on (or off) for the calling thread and the libtorch worker threads
    /// created after it. Returns false where unsupported, changing nothing.
    /// </summary>
    public static bool FlushToZero(bool on = true)
    {
        if (Switch?.Invoke(on) is not true) return false;
        _flushing = on;
        return true;
    }

    /// <summary>Whether the calling thread was set to flush denormals through <see cref="FlushToZero"/>.</summary>
    internal static bool ThreadFlushes => _flushing;

    /// <summary>
    /// Runs <paramref name="work"/> on this thread in the mode <paramref name="flush"/> and puts the thread's own mode back:
    /// work handed to another thread computes as it would have on the thread that handed it over.
    /// </summary>
    internal static void Run(bool flush, Action work)
    {
        if (Switch is null || flush == _flushing)
        {
            work();
            return;
        }
        Switch(flush);
        try { work(); }
        finally { Switch(_flushing); }
    }

    /// <summary>Finds the static at::Context::setFlushDenormal(bool) in libtorch (Itanium C++ name).</summary>
    private static Func<bool, bool>? Bind()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return null;
        try
        {
            // Makes TorchSharp load libtorch first (from wherever its backend package put it), then finds the same library.
            _ = TorchSharp.torch.get_num_threads();
            if (!NativeLibrary.TryLoad("libtorch_cpu.so", typeof(TorchSharp.torch).Assembly, null, out var library)) return null;
            if (!NativeLibrary.TryGetExport(library, "_ZN2at7Context16setFlushDenormalEb", out var setFlushDenormal)) return null;
            var flush = Marshal.GetDelegateForFunctionPointer<SetFlushDenormal>(setFlushDenormal);
            return on => flush(on);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException or TypeInitializationException)
        {
            return null;
        }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool SetFlushDenormal([MarshalAs(UnmanagedType.U1)] bool on);
}
