using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Cdat.ML.Training;

/// <summary>
/// Runs work on a thread whose floating-point unit flushes denormal numbers to zero, as do the libtorch worker threads
/// it starts. Denormals (below 1.2e-38 in float32) cost tens to hundreds of cycles per operation on x86 CPUs; training
/// breeds them (Adam's second moments of rarely active units, saturated activations), and a network's step time on the
/// CPU can double once they appear. libtorch's switch (<c>at::Context::setFlushDenormal</c>) acts on the calling
/// thread only, and its OpenMP workers inherit the setting only when created after it, so the work runs on a fresh
/// thread that sets it first and thus starts its own workers; the caller's thread keeps its floating-point state.
/// </summary>
internal static class FlushedDenormals
{
    private const int StackBytes = 64 << 20;  // autograd recursion on deep graphs needs more than a secondary thread's default
    private static readonly Func<bool>? Enable = Bind();

    /// <summary>True when this platform's libtorch exposes the switch (x64 Linux).</summary>
    public static bool Supported => Enable is not null;

    /// <summary>Runs <paramref name="work"/> on a fresh thread with denormals flushed, or inline where that is not supported.</summary>
    public static T Run<T>(Func<T> work)
    {
        if (Enable is null) return work();
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enable();
                result = work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, StackBytes) { Name = "Cdat.ML training", IsBackground = true };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>Finds at::globalContext() and at::Context::setFlushDenormal(bool) in the loaded libtorch (Itanium C++ names).</summary>
    private static Func<bool>? Bind()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return null;
        try
        {
            // TorchSharp has loaded libtorch by the time training runs; this finds the same library.
            if (!NativeLibrary.TryLoad("libtorch_cpu.so", typeof(TorchSharp.torch).Assembly, null, out var library)) return null;
            if (!NativeLibrary.TryGetExport(library, "_ZN2at13globalContextEv", out var globalContext)) return null;
            if (!NativeLibrary.TryGetExport(library, "_ZN2at7Context16setFlushDenormalEb", out var setFlushDenormal)) return null;
            var context = Marshal.GetDelegateForFunctionPointer<GlobalContext>(globalContext);
            var flush = Marshal.GetDelegateForFunctionPointer<SetFlushDenormal>(setFlushDenormal);
            return () => flush(context(), true);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContext();

    // A member function: the object comes first.
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool SetFlushDenormal(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool on);
}
