// Scoring throughput of a trained MLP: Cdat.ML's managed forward pass (no libtorch; what a saved model runs at
// prediction time, one row at a time) against TorchSharp's forward pass on the same weights, batched and row by row.
using BenchmarkDotNet.Attributes;
using Cdat.ML;
using Cdat.ML.Networks;
using Cdat.ML.Scoring;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Benchmarks;

[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByParams)]
public class ScoringThroughput
{
    private const int Rows = 1000;
    private nn.Module<Tensor, Tensor> _network = null!;
    private MlpWeights _weights = null!;
    private Tensor _batch = null!;
    private float[] _features = null!, _output = null!;
    private int _inputs, _outputs;

    /// <summary>The network: the digits-sized 64-64-10 or the 784-512-512-10 MLP.</summary>
    [Params("64-64-10", "784-512-512-10")]
    public string Shape { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(2);
        var sizes = Shape.Split('-').Select(int.Parse).ToArray();
        _inputs = sizes[0];
        _outputs = sizes[^1];
        _network = new MultilayerPerceptron(_inputs, sizes[1..^1], _outputs, Activation.Tanh).Build(seed: 0);
        _network.eval();
        _weights = new MlpWeights(MultilayerPerceptron.ReadLayers(_network).Select(l => new DenseLayer(l.Inputs, l.Outputs, l.Weight, l.Bias)).ToArray(), Activation.Tanh);
        using var generator = new Generator(1);
        _batch = torch.randn(new long[] { Rows, _inputs }, generator: generator);
        _features = _batch.data<float>().ToArray();
        _output = new float[_outputs];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batch.Dispose();
        _network.Dispose();
    }

    /// <summary>Managed forward pass, one row at a time (the saved model's scoring path).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public float ManagedPerRow()
    {
        float sum = 0;
        for (int r = 0; r < Rows; r++)
        {
            _weights.Forward(_features.AsSpan(r * _inputs, _inputs), _output);
            sum += _output[0];
        }
        return sum;
    }

    /// <summary>TorchSharp forward pass on the whole batch of 1000 rows.</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public float TorchSharpBatched()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return _network.call(_batch)[0, 0].item<float>();
    }

    /// <summary>TorchSharp forward pass one row at a time.</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public float TorchSharpPerRow()
    {
        float sum = 0;
        using var _ = no_grad();
        for (int r = 0; r < Rows; r++)
        {
            using var scope = NewDisposeScope();
            sum += _network.call(_batch.narrow(0, r, 1))[0, 0].item<float>();
        }
        return sum;
    }
}
