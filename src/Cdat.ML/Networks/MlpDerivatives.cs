using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace Cdat.ML.Networks;

/// <summary>The per-example losses the managed derivatives know, as the built-in losses define them.</summary>
internal enum ExampleLossKind
{
    /// <summary>½‖o − t‖² (<see cref="SquaredErrorLoss"/>).</summary>
    Squared,
    /// <summary>log(1 + e^o) − t·o on one logit (<see cref="BinaryLogisticLoss"/>).</summary>
    Logistic,
    /// <summary>logsumexp(o) − o_c (<see cref="SoftmaxCrossEntropyLoss"/>).</summary>
    Softmax,
}

/// <summary>
/// The trainer's multilayer perceptron differentiated by hand, on float arrays: the mean loss (weighted rows, ½λ‖θ‖²),
/// its gradient by backpropagation, and the curvature uᵀHu along a direction by Pearlmutter's R-operator (the exact
/// Hessian-vector product, contracted with u), without a graph or a native call per operation. Parameters are one flat
/// vector in the network's own order: fc0.weight [out×in] row-major, fc0.bias, fc1.weight, … Checked against
/// TorchSharp's autograd in the tests. Not thread-safe: it keeps its work buffers.
/// </summary>
internal sealed partial class MlpDerivatives
{
    private readonly int[] _widths;
    /// <summary>Where layer l's weight starts in the flat vector (its bias follows it); the last entry is the length.</summary>
    private readonly int[] _offsets;
    private readonly int _layers;
    private readonly Activation _activation;
    private readonly ExampleLossKind _loss;
    private float[][] _z = [], _a = [], _slope = [], _bend = [], _rz = [], _ra = [], _q = [];
    private readonly double[] _probabilities;
    private float[] _d = [], _dNext = [], _rd = [], _rdNext = [], _e = [], _re = [], _transposed = [], _scratch = [];
    private int _rows, _forwardRows;
    private readonly SparseRows _sparseInput = new();
    private bool _inputSparse;

    /// <summary>Narrower inputs always take the dense products (a handful of features gains nothing from skipping zeros).</summary>
    private const int MinSparseInputs = 16;

    /// <summary>Set to false to read every input row dense (the reference path, for comparisons).</summary>
    internal static bool SparseInputs { get; set; } = true;
    private object? _forwardOwner;
    private float[] _forwardTheta = [];

    /// <param name="widths">Inputs, each hidden width, outputs.</param>
    /// <param name="activation">Hidden activation.</param>
    /// <param name="loss">Per-example loss.</param>
    public MlpDerivatives(int[] widths, Activation activation, ExampleLossKind loss)
    {
        if (widths.Length < 2) throw new ArgumentException("A network has inputs and outputs.", nameof(widths));
        if (loss == ExampleLossKind.Logistic && widths[^1] != 1) throw new ArgumentException("The logistic loss takes one output.", nameof(loss));
        _widths = widths.ToArray();
        _layers = widths.Length - 1;
        _activation = activation;
        _loss = loss;
        _offsets = new int[_layers + 1];
        for (int l = 0; l < _layers; l++) _offsets[l + 1] = _offsets[l] + (widths[l] + 1) * widths[l + 1];
        ParameterCount = _offsets[_layers];
        _probabilities = new double[widths[^1]];
    }

    /// <summary>Length of the flat parameter vector.</summary>
    public int ParameterCount { get; }

    /// <summary>Flat vectors for a caller to gather parameters, a direction and a gradient into (under the lock that guards these derivatives: for a batch's second half, the first half's).</summary>
    public FlatBuffers Buffers => _buffers ??= new(new float[ParameterCount], new float[ParameterCount], new float[ParameterCount]);
    private FlatBuffers? _buffers;

    /// <summary>Three vectors as long as the parameters.</summary>
    internal sealed record FlatBuffers(float[] Theta, float[] Direction, float[] Gradient);

    /// <summary>
    /// The mean loss on <paramref name="rows"/> rows of <paramref name="x"/> [rows × inputs], and its gradient into
    /// <paramref name="gradient"/>. Targets: rows × outputs values (squared error), rows 0/1 (logistic) or rows class
    /// indices (softmax); <paramref name="weights"/> one per row, or empty for none. With <paramref name="meanOver"/>
    /// (more than <paramref name="rows"/>), these rows are part of a batch of that many: the sum over them is divided by
    /// it, so the parts' results add up to the batch's (the penalty belongs to one part).
    /// </summary>
    /// <remarks>
    /// A second call (of either method) by the same <c>owner</c> at the same parameters reuses the forward pass: the owner
    /// vouches that the rows are the same.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double LossAndGradient(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights,
                                  int rows, double weightDecay, Span<float> gradient, object? owner = null, int meanOver = 0)
    {
        Prepare(rows);
        Forward(theta, x, rows, owner);
        double loss = OutputLosses.Gradient(_loss, _z[_layers - 1], _widths[^1], targets, weights, rows, MeanOver(rows, meanOver), _d, _probabilities);
        // Backward: D is ∂L/∂Z of layer l; E = D·W its gradient with respect to the layer's input.
        var d = _d;
        var dNext = _dNext;
        for (int l = _layers - 1; l >= 0; l--)
        {
            int inputs = _widths[l], outputs = _widths[l + 1], at = _offsets[l];
            ReadOnlySpan<float> input = l == 0 ? x : _a[l - 1];
            if (l == 0 && _inputSparse) _sparseInput.WeightGradient(d, gradient.Slice(at, outputs * inputs), inputs, outputs);
            else Gemm.MultiplyTransposedA(d, input, gradient.Slice(at, outputs * inputs), rows, outputs, inputs);
            var biasGradient = gradient.Slice(at + outputs * inputs, outputs);
            Gemm.SumRows(d, rows, outputs, biasGradient);
            if (l == 0) break;
            Gemm.Multiply(d, theta.Slice(at, outputs * inputs), _e, rows, outputs, inputs);
            int size = rows * inputs;
            TensorPrimitives.Multiply(_e.AsSpan(0, size), _slope[l - 1].AsSpan(0, size), dNext.AsSpan(0, size));
            (d, dNext) = (dNext, d);
        }
        if (weightDecay > 0)
        {
            loss += 0.5 * weightDecay * TensorPrimitives.Dot(theta, theta);
            TensorPrimitives.MultiplyAdd(theta, (float)weightDecay, gradient, gradient);
        }
        return loss;
    }

    /// <summary>The network's outputs on <paramref name="rows"/> rows of <paramref name="x"/>, into <paramref name="outputs"/> [rows × outputs].</summary>
    public void Outputs(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int rows, Span<float> outputs)
    {
        Prepare(rows);
        Forward(theta, x, rows, owner: null);
        _z[_layers - 1].AsSpan(0, rows * _widths[^1]).CopyTo(outputs);
    }

    /// <summary>
    /// <paramref name="output"/> = <paramref name="input"/>·Wᵀ + b with layer <paramref name="l"/>'s W and b taken from
    /// <paramref name="vector"/> (the parameters or a direction); Wᵀ is left in the transposed buffer for the caller.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Affine(ReadOnlySpan<float> vector, int l, ReadOnlySpan<float> input, Span<float> output, int rows)
    {
        int inputs = _widths[l], outputs = _widths[l + 1], at = _offsets[l];
        Gemm.Transpose(vector.Slice(at, outputs * inputs), _transposed, outputs, inputs);
        if (l == 0 && _inputSparse)
        {
            _sparseInput.Affine(_transposed, vector.Slice(at + outputs * inputs, outputs), output, outputs);
            return;
        }
        Gemm.FillRows(vector.Slice(at + outputs * inputs, outputs), output, rows);
        Gemm.Multiply(input, _transposed, output, rows, inputs, outputs, accumulate: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Forward(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int rows, object? owner)
    {
        // The gradient and uᵀHu of one step are taken at the same parameters on the same rows: one forward pass serves both.
        if (owner is not null && ReferenceEquals(owner, _forwardOwner) && rows == _forwardRows && theta.SequenceEqual(_forwardTheta)) return;
        _forwardOwner = null;
        // One-hot inputs: the first layer's products skip the zeros (read once here, used by every product with X).
        _inputSparse = SparseInputs && _widths[0] >= MinSparseInputs && _sparseInput.Read(x, rows, _widths[0]);
        for (int l = 0; l < _layers; l++)
        {
            int outputs = _widths[l + 1];
            ReadOnlySpan<float> input = l == 0 ? x : _a[l - 1];
            var z = _z[l].AsSpan(0, rows * outputs);
            Affine(theta, l, input, z, rows);
            if (l < _layers - 1)
            {
                var a = _a[l].AsSpan(0, rows * outputs);
                ActivationDerivatives.Activate(_activation, z, a);
                ActivationDerivatives.Slopes(_activation, z, a, _slope[l].AsSpan(0, rows * outputs));
            }
        }
        if (owner is null) return;
        (_forwardOwner, _forwardRows) = (owner, rows);
        if (_forwardTheta.Length != theta.Length) _forwardTheta = new float[theta.Length];
        theta.CopyTo(_forwardTheta);
    }

    private static int MeanOver(int rows, int meanOver) => meanOver > 0 ? meanOver : rows;

    /// <summary>Work buffers for <paramref name="rows"/> rows (grown, never shrunk).</summary>
    private void Prepare(int rows)
    {
        if (rows <= _rows) return;
        _rows = rows;
        _forwardOwner = null;
        int widest = _widths.Max();
        _z = Enumerable.Range(0, _layers).Select(l => new float[rows * _widths[l + 1]]).ToArray();
        _rz = Enumerable.Range(0, _layers).Select(l => new float[rows * _widths[l + 1]]).ToArray();
        _q = Enumerable.Range(0, _layers).Select(l => new float[2 * rows * _widths[l + 1]]).ToArray();
        _a = Enumerable.Range(0, _layers - 1).Select(l => new float[rows * _widths[l + 1]]).ToArray();
        _slope = Enumerable.Range(0, _layers - 1).Select(l => new float[rows * _widths[l + 1]]).ToArray();
        _bend = Enumerable.Range(0, _layers - 1).Select(l => new float[rows * _widths[l + 1]]).ToArray();
        _ra = Enumerable.Range(0, _layers - 1).Select(l => new float[rows * _widths[l + 1]]).ToArray();
        _d = new float[rows * widest];
        _dNext = new float[rows * widest];
        _rd = new float[rows * widest];
        _rdNext = new float[rows * widest];
        _e = new float[rows * widest];
        _re = new float[rows * widest];
        _scratch = new float[rows * widest];
        _transposed = new float[Math.Max(rows, widest) * widest];
    }
}
