namespace Cdat.ML.Training;

/// <summary>Settings of a <see cref="TrainingLoop"/> run.</summary>
public sealed record TrainingOptions
{
    /// <summary>Rows per mini-batch; null (default) trains in full batch.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Passes over the data. Default 1. Ignored when <see cref="MaxSteps"/> is set.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Total steps; when set it overrides <see cref="Epochs"/>.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Seed of the mini-batch order (and of the sharpness subset). Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>Drop the last, smaller batch of each epoch so every step sees exactly <see cref="BatchSize"/> rows. Default false.</summary>
    public bool DropLastPartialBatch { get; init; }

    /// <summary>Largest number of rows differentiated in one graph; larger batches are processed in chunks. Default 8192.</summary>
    public long ChunkRows { get; init; } = 8192;

    /// <summary>In mini-batch, the sharpness is measured on a fixed random subset of this many rows. Default 5000.</summary>
    public long SharpnessRows { get; init; } = 5000;

    /// <summary>Stop after this many consecutive steps with a non-finite loss. Default 10.</summary>
    public int DivergencePatience { get; init; } = 10;

    /// <summary>Device: <c>cpu</c> (default), <c>cuda</c>, <c>cuda:N</c> or <c>auto</c> (CUDA when available).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Curvature and sharpness settings of the optimizer.</summary>
    public OptimizerOptions Optimizer { get; init; } = new();

    internal void Validate()
    {
        if (BatchSize is int b && b <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), b, "BatchSize must be greater than 0 (or null for full batch).");
        if (Epochs <= 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be greater than 0.");
        if (MaxSteps is long s && s <= 0) throw new ArgumentOutOfRangeException(nameof(MaxSteps), s, "MaxSteps must be greater than 0 when set.");
        if (ChunkRows <= 0) throw new ArgumentOutOfRangeException(nameof(ChunkRows), ChunkRows, "ChunkRows must be greater than 0.");
        if (SharpnessRows <= 0) throw new ArgumentOutOfRangeException(nameof(SharpnessRows), SharpnessRows, "SharpnessRows must be greater than 0.");
        if (DivergencePatience <= 0) throw new ArgumentOutOfRangeException(nameof(DivergencePatience), DivergencePatience, "DivergencePatience must be greater than 0.");
        ArgumentNullException.ThrowIfNull(Optimizer, nameof(Optimizer));
        Optimizer.Validate();
        Devices.Resolve(Device);
    }
}
