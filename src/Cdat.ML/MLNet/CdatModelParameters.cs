using Cdat.ML.Persistence;
using Cdat.ML.Scoring;

namespace Cdat.ML;

/// <summary>
/// A trained Cdat model: the network's weights, what it predicts, and how training went. Scoring runs in managed code
/// and needs no native libtorch. Immutable and thread-safe.
/// </summary>
public sealed class CdatModelParameters
{
    internal CdatModelParameters(CdatTask task, MlpWeights network, IReadOnlyList<string> classNames, CdatTrainingMetrics metrics)
    {
        if (!Enum.IsDefined(task)) throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown task.");
        int expected = task == CdatTask.MulticlassClassification ? classNames.Count : 1;
        if (task == CdatTask.MulticlassClassification && classNames.Count < 2)
            throw new ArgumentException("A multiclass model needs at least two classes.", nameof(classNames));
        if (network.OutputSize != expected)
            throw new ArgumentException($"The network has {network.OutputSize} outputs; the {task} model needs {expected}.", nameof(network));
        Task = task;
        Network = network;
        ClassNames = classNames.ToArray();
        TrainingMetrics = metrics;
    }

    /// <summary>What the model predicts.</summary>
    public CdatTask Task { get; }
    /// <summary>The network (weights as arrays, managed forward pass).</summary>
    public MlpWeights Network { get; }
    /// <summary>Class names in key order (multiclass); empty otherwise.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>How training went.</summary>
    public CdatTrainingMetrics TrainingMetrics { get; }
    /// <summary>Number of features the model expects.</summary>
    public int FeatureCount => Network.InputSize;
    /// <summary>Number of raw outputs (1, or the number of classes).</summary>
    public int OutputCount => Network.OutputSize;

    /// <summary>Raw network outputs for one example: the regression value, the binary logit, or one logit per class.</summary>
    public void Score(ReadOnlySpan<float> features, Span<float> scores) => Network.Forward(features, scores);

    /// <summary>The model as bytes in the versioned Cdat model format.</summary>
    public byte[] ToBytes() => ModelFormat.Write(new(Task, Network, ClassNames, TrainingMetrics));

    /// <summary>Reads a model written by <see cref="ToBytes"/>.</summary>
    /// <exception cref="InvalidDataException">The data is not a Cdat model, is corrupt or truncated, or has an unknown version.</exception>
    public static CdatModelParameters FromBytes(ReadOnlySpan<byte> data)
    {
        var contents = ModelFormat.Read(data);
        try
        {
            return new CdatModelParameters(contents.Task, contents.Network, contents.ClassNames, contents.Metrics);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The Cdat model is corrupt: {e.Message}", e);
        }
    }
}
