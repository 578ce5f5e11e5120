using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML;

/// <summary>Turns a device name into a TorchSharp device, with readable errors.</summary>
internal static class Devices
{
    /// <summary>Resolves <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c> (CUDA when available, else CPU).</summary>
    /// <param name="name">The device name, any case.</param>
    /// <param name="onCpuFallback">Told, in words, when <c>auto</c> falls back to the CPU.</param>
    /// <exception cref="ArgumentException">Unknown name, or CUDA requested but not available.</exception>
    public static Device Resolve(string name, Action<string>? onCpuFallback = null)
    {
        string key = (name ?? "").Trim().ToLowerInvariant();
        if (key == "cpu") return CPU;
        if (key == "auto")
        {
            if (torch.cuda.is_available()) return CUDA;
            onCpuFallback?.Invoke("Device 'auto': CUDA is not available, training on the CPU.");
            return CPU;
        }
        if (key == "cuda" || key.StartsWith("cuda:", StringComparison.Ordinal))
        {
            // A malformed index is a typo whatever the machine: say so before asking for CUDA.
            int index = 0;
            if (key != "cuda" && !int.TryParse(key[5..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index))
                throw new ArgumentException($"Device '{name}' is not a device name: use 'cuda:N' with N a device index (0, 1, ...).", nameof(name));
            if (!torch.cuda.is_available())
                throw new ArgumentException(
                    $"Device '{name}' was requested but CUDA is not available: reference the CUDA backend (build with -p:TorchBackend=cuda) " +
                    "on a machine with an NVIDIA GPU, or use 'cpu' or 'auto'.", nameof(name));
            if (index >= torch.cuda.device_count())
                throw new ArgumentException($"Device '{name}' does not exist: {torch.cuda.device_count()} CUDA device(s) found.", nameof(name));
            return torch.device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Unknown device '{name}': use 'cpu', 'cuda', 'cuda:N' or 'auto'.", nameof(name));
    }

    /// <summary>The canonical name of a device: <c>cpu</c> or <c>cuda:N</c>.</summary>
    public static string NameOf(Device device) =>
        device.type == DeviceType.CPU ? "cpu" : FormattableString.Invariant($"cuda:{Math.Max(0, device.index)}");

    /// <summary>Whether two devices are the same (type and index).</summary>
    public static bool Same(Device a, Device b) =>
        a.type == b.type && (a.index == b.index || (a.type == DeviceType.CPU));

    /// <summary>
    /// <c>GpuDeviceId</c> and <c>FallbackToCpu</c> of the MLContext behind <paramref name="environment"/> (ML.NET keeps them on
    /// an internal interface, so they are read by reflection); (null, false) when it has none.
    /// </summary>
    internal static (int? GpuDeviceId, bool FallbackToCpu) FromEnvironment(object? environment)
    {
        if (environment is null) return (null, false);
        object? Read(string name)
        {
            const System.Reflection.BindingFlags flags = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic;
            var type = environment.GetType();
            var property = type.GetProperty(name, flags)
                ?? type.GetInterfaces().Select(i => i.GetProperty(name, flags)).FirstOrDefault(p => p is not null);
            try { return property?.GetValue(environment); }
            catch (System.Reflection.TargetInvocationException) { return null; }
        }
        return (Read("GpuDeviceId") as int?, Read("FallbackToCpu") as bool? ?? false);
    }
}
