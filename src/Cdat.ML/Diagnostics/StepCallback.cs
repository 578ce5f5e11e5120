namespace Cdat.ML.Diagnostics;

/// <summary>
/// Receives each step's record on the training thread, as it happens. Unlike <see cref="Progress{T}"/>, which posts
/// to a synchronization context and may run later or concurrently, the callback runs before the next step starts, so
/// it may read or change the network (to evaluate it, for instance) and may cancel training in time.
/// </summary>
/// <example><code>options.Progress = new StepCallback(r =&gt; Console.WriteLine($"{r.Step}: {r.Loss}"));</code></example>
public sealed class StepCallback(Action<StepRecord> onStep) : IProgress<StepRecord>
{
    private readonly Action<StepRecord> _onStep = onStep ?? throw new ArgumentNullException(nameof(onStep));

    /// <inheritdoc/>
    public void Report(StepRecord value) => _onStep(value);
}
