using Cdat.ML.Data;
using Cdat.ML.MLNet;
using Cdat.ML.Networks;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML;

// Continued training: a model's weights, label and input scaling are where the next run starts.
public sealed partial class CdatTrainer
{
    /// <summary>
    /// Trains on, starting from <paramref name="modelParameters"/> (as <c>LbfgsLogisticRegressionBinaryTrainer.Fit(IDataView,
    /// LinearModelParameters)</c> does): its weights, its input scaling and its network shape (a <see cref="Options.HiddenLayers"/>
    /// or <see cref="Options.Activation"/> set to something else is an error); the step count continues from the model's.
    /// </summary>
    /// <exception cref="ArgumentException">The model is of another task, feature count or class count, or its shape conflicts with the options.</exception>
    public CdatTransformer Fit(IDataView trainData, CdatModelParameters modelParameters)
    {
        ArgumentNullException.ThrowIfNull(modelParameters);
        return Fit(trainData, TrainerOptions.ValidationSet, nameof(Options.ValidationSet), modelParameters);
    }

    /// <summary>Checks that <paramref name="start"/> takes the data's features and classes.</summary>
    private void CheckContinuable(CdatModelParameters start, LabeledColumns columns, IReadOnlyList<string> classNames)
    {
        const string name = "modelParameters";
        if (start.Task != Task)
            throw new ArgumentException($"The model to continue from is a {start.Task} model; this trainer trains {Task}.", name);
        if (start.FeatureCount != columns.FeatureCount)
            throw new ArgumentException($"The model to continue from takes {start.FeatureCount} features; feature column '{columns.Features.Name}' has {columns.FeatureCount}.", name);
        if (Task == CdatTask.MulticlassClassification && start.ClassNames.Count != columns.ClassCount)
            throw new ArgumentException($"The model to continue from has {start.ClassNames.Count} classes; label '{columns.Label.Name}' has {columns.ClassCount}.", name);
        // The same classes in another key order would swap the model's outputs silently.
        if (Task == CdatTask.MulticlassClassification && !start.ClassNames.SequenceEqual(classNames))
            throw new ArgumentException($"The model to continue from has the classes {string.Join(", ", start.ClassNames)} in that key order; label '{columns.Label.Name}' has {string.Join(", ", classNames)}. Map the label with the model's key order.", name);
    }

    /// <summary>A continued run keeps the model's bins: other bins asked for are named in a warning rather than ignored silently.</summary>
    private void WarnIfBinsIgnored(CdatModelParameters start, IChannel? channel)
    {
        int asked = TrainerOptions.PiecewiseLinearBins, kept = start.Network.InputScaler?.Encoding?.MaxBins ?? 0;
        if (asked != TrainingPlan.PiecewiseLinearBins && asked != kept)
            channel?.Warning(MessageSensitivity.None, $"Cdat: the model to continue from reads its features over {kept} bins, which a continued run keeps; {nameof(Options.PiecewiseLinearBins)} = {asked} has no effect.");
    }

    /// <summary>The network a continued run trains: the model's shape (its first layer takes the model's encoded inputs), checked against the options.</summary>
    private MultilayerPerceptron ShapeOf(CdatModelParameters start)
    {
        var o = TrainerOptions;
        var hidden = start.Network.Layers.Take(start.Network.Layers.Count - 1).Select(l => l.Outputs).ToArray();
        // Only options set away from their defaults can conflict: the defaults mean "as the model has it". A fold
        // ensemble of SmallDataFolds networks of HiddenLayers is one network that many times as wide.
        int k = Math.Max(o.SmallDataFolds, 1);
        bool asTrained = o.HiddenLayers.SequenceEqual(hidden)
                         || (o.HiddenLayers.Length == hidden.Length && hidden.Zip(o.HiddenLayers).All(p => p.First == k * p.Second));
        if (!o.HiddenLayers.SequenceEqual(new Options().HiddenLayers) && !asTrained)
            throw new ArgumentException($"Cdat option {nameof(Options.HiddenLayers)} is {{ {string.Join(", ", o.HiddenLayers)} }} but the model to continue from has {{ {string.Join(", ", hidden)} }}; leave it unset to keep the model's (a {k}-fold ensemble of {{ {string.Join(", ", o.HiddenLayers)} }} would have {{ {string.Join(", ", o.HiddenLayers.Select(w => k * w))} }}).",
                nameof(Options.HiddenLayers));
        if (o.Activation != new Options().Activation && o.Activation != start.Network.Activation)
            throw new ArgumentException($"Cdat option {nameof(Options.Activation)} is {o.Activation} but the model to continue from uses {start.Network.Activation}.", nameof(Options.Activation));
        return new MultilayerPerceptron(start.Network.Layers[0].Inputs, hidden, start.OutputCount, start.Network.Activation);
    }

    /// <summary>
    /// Puts the model's weights into <paramref name="network"/>. A regression model's output layer holds the label scaling
    /// it was trained with; it is re-expressed in this run's (y − offset) / scale, so the network starts from the same function.
    /// </summary>
    private static void LoadWeights(nn.Module<Tensor, Tensor> network, CdatModelParameters start, double offset, double scale)
    {
        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var layers = start.Network.Layers;
        using var _ = torch.no_grad();
        for (int i = 0; i < layers.Count; i++)
        {
            bool last = i == layers.Count - 1;
            var w = layers[i].Weight.Select(v => last ? v / scale : v).ToArray();
            var b = layers[i].Bias.Select(v => last ? (v - offset) / scale : v).ToArray();
            var weight = parameters[$"fc{i}.weight"];
            var bias = parameters[$"fc{i}.bias"];
            using (var t = torch.tensor(w, ScalarType.Float64).reshape(layers[i].Outputs, layers[i].Inputs)) weight.copy_(t);
            using (var t = torch.tensor(b, ScalarType.Float64)) bias.copy_(t);
        }
    }
}
