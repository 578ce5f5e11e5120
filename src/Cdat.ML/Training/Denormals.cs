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

    /// <summary>True where libtorch exposes the switch to this library (x64 Linux).</summary>
    public static bool Supported => Switch is not null;

    /// <summary>
    /// Turns flush-to-zero and denormals-are-zero on (or off) for the calling thread and the libtorch worker threads
    /// created after it. Returns false where unsupported, changing nothing.
    /// </summary>
    public static bool FlushToZero(bool on = true) => Switch?.Invoke(on) ?? false;

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
