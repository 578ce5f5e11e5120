using System.Runtime.CompilerServices;
using Cdat.ML.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Objectives;

/// <summary>How a network is recognised as the trainer's perceptron, and what is kept per recognised network.</summary>
internal sealed partial class AnalyticMlp
{
    private static Shape? Recognise(nn.Module network)
    {
        if (network is not TorchSharp.Modules.Sequential) return null;
        var children = network.named_children().ToArray();
        var widths = new List<int>();
        var layers = new List<TorchSharp.Modules.Linear>();
        Activation? activation = null;
        for (int i = 0; i < children.Length; i++)
        {
            var (name, module) = children[i];
            if (i % 2 == 0)
            {
                if (name != $"fc{i / 2}" || module is not TorchSharp.Modules.Linear linear || linear.bias is null) return null;
                var w = linear.weight!;
                if (widths.Count == 0) widths.Add((int)w.shape[1]);
                else if (widths[^1] != w.shape[1]) return null;
                widths.Add((int)w.shape[0]);
                layers.Add(linear);
                continue;
            }
            var kind = module switch
            {
                TorchSharp.Modules.Tanh => Activation.Tanh,
                TorchSharp.Modules.ReLU => Activation.Relu,
                TorchSharp.Modules.GELU => Activation.Gelu,
                _ => (Activation?)null,
            };
            if (name != $"act{i / 2}" || kind is null || (activation is not null && activation != kind)) return null;
            activation = kind;
        }
        if (children.Length % 2 == 0 || layers.Count == 0) return null;
        if (network.parameters().Count() != 2 * layers.Count) return null;
        return new Shape(widths.ToArray(), activation ?? Activation.Tanh, layers.ToArray());
    }

    /// <summary>A recognised perceptron: its widths, activation and layers, and its derivatives per loss.</summary>
    private sealed class Shape(int[] widths, Activation activation, TorchSharp.Modules.Linear[] layers)
    {
        private readonly Dictionary<(ExampleLossKind, int), MlpDerivatives> _byLoss = new();
        public int[] Widths { get; } = widths;

        /// <summary>The layers' parameters as they are now, in the network's order: fc0.weight, fc0.bias, fc1.weight, …</summary>
        public Tensor[] Parameters() => layers.SelectMany(l => new Tensor[] { l.weight!, l.bias! }).ToArray();

        /// <summary>The derivatives for <paramref name="loss"/>; <paramref name="part"/> > 0 for the other parts of a split batch (their own buffers).</summary>
        public MlpDerivatives Derivatives(ExampleLossKind loss, int part = 0)
        {
            lock (_byLoss)
            {
                if (!_byLoss.TryGetValue((loss, part), out var derivatives)) _byLoss[(loss, part)] = derivatives = new MlpDerivatives(Widths, activation, loss);
                return derivatives;
            }
        }
    }
}
