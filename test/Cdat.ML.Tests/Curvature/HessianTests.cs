using Cdat.ML.Curvature;
using Cdat.ML.Networks;
using Cdat.ML.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Tests.Curvature;

[TestClass]
public sealed class HessianTests
{
    private static readonly double[] Spectrum = { 9.0, 7.5, 3.0, 1.0, 0.25, -0.5 };

    [TestMethod]
    public void HessianVectorProductOfAQuadraticIsAu()
    {
        using var q = new Quadratic(Spectrum);
        using var scope = NewDisposeScope();
        var u = torch.randn(new long[] { Spectrum.Length }, ScalarType.Float64);
        var hessian = new HessianOperator(new[] { q.W }, new FunctionObjective(q.Loss));
        var hu = hessian.Apply(new[] { u })[0];
        Assert.IsTrue(hu.allclose(q.A.mv(u), rtol: 1e-13, atol: 1e-13));
        Assert.AreEqual(u.dot(q.A.mv(u)).item<double>(), hessian.Quadratic(new[] { u }), 1e-12);
    }

    [TestMethod]
    public void LanczosAndPowerIterationRecoverTheTopEigenvalue()
    {
        double[] spectrum = Enumerable.Range(0, 40).Select(i => 10.0 / (1 + i)).ToArray();
        using var q = new Quadratic(spectrum);
        using var lanczos = new SharpnessEstimator(SharpnessMethod.Lanczos, iterations: 30);
        var l = lanczos.Estimate(new[] { q.W }, new FunctionObjective(q.Loss));
        Assert.AreEqual(10.0, l.Largest, 1e-4 * 10.0);

        using var power = new SharpnessEstimator(SharpnessMethod.PowerIteration, iterations: 500, tolerance: 1e-10);
        var p = power.Estimate(new[] { q.W }, new FunctionObjective(q.Loss));
        Assert.AreEqual(10.0, p.Largest, 1e-4 * 10.0);
    }

    [TestMethod]
    public void LanczosReportsBothEndsOfAnIndefiniteSpectrum()
    {
        using var q = new Quadratic(Spectrum);
        using var lanczos = new SharpnessEstimator(SharpnessMethod.Lanczos, iterations: Spectrum.Length);
        var e = lanczos.Estimate(new[] { q.W }, new FunctionObjective(q.Loss));
        Assert.AreEqual(9.0, e.Largest, 1e-9);
        Assert.AreEqual(-0.5, e.Smallest, 1e-9);
        Assert.IsTrue(e.Converged);
    }

    [TestMethod]
    public void PreconditionedSharpnessIsTheTopEigenvalueOfPInverseH()
    {
        using var q = new Quadratic(Spectrum.Select(Math.Abs).ToArray());
        using var scope = NewDisposeScope();
        var p = torch.linspace(0.5, 3.0, Spectrum.Length, ScalarType.Float64);
        using var estimator = new SharpnessEstimator(iterations: Spectrum.Length);
        var e = estimator.Estimate(new[] { q.W }, new FunctionObjective(q.Loss), new[] { p });
        var s = p.rsqrt();
        var scaled = torch.diag(s).mm(q.A).mm(torch.diag(s));
        double expected = torch.linalg.eigvalsh(scaled).max().item<double>();
        Assert.AreEqual(expected, e.Largest, 1e-9 * expected);
    }

    [TestMethod]
    [DataRow(Activation.Tanh)]
    [DataRow(Activation.Gelu)]
    [DataRow(Activation.Relu)]
    public void MlpHessianVectorProductMatchesTheExplicitHessian(Activation activation)
    {
        using var scope = NewDisposeScope();
        var (net, objective, parameters) = SmallMlp(activation);
        var dense = ExplicitHessian(objective, parameters);
        long n = dense.shape[0];
        var hessian = new HessianOperator(parameters, objective);
        for (int trial = 0; trial < 3; trial++)
        {
            var v = torch.randn(new[] { n }, ScalarType.Float64);
            var hv = ParameterVectors.Flatten(hessian.Apply(ParameterVectors.Unflatten(v, parameters)), ScalarType.Float64);
            var expected = dense.mv(v);
            double relative = (hv - expected).norm().item<double>() / expected.norm().item<double>();
            Assert.IsTrue(relative < 1e-10, $"relative error {relative:E2}");
        }
    }

    [TestMethod]
    public void MlpLanczosMatchesTheExplicitHessianEigenvalues()
    {
        using var scope = NewDisposeScope();
        var (net, objective, parameters) = SmallMlp(Activation.Tanh);
        var eigenvalues = torch.linalg.eigvalsh(ExplicitHessian(objective, parameters));
        double top = eigenvalues.max().item<double>();
        using var lanczos = new SharpnessEstimator(iterations: 40, tolerance: 1e-8);
        var e = lanczos.Estimate(parameters, objective);
        Assert.AreEqual(top, e.Largest, 1e-6 * Math.Abs(top));

        using var power = new SharpnessEstimator(SharpnessMethod.PowerIteration, iterations: 2000, tolerance: 1e-12);
        Assert.AreEqual(top, power.Estimate(parameters, objective).Largest, 1e-4 * Math.Abs(top));
    }

    [TestMethod]
    public void ChunkedProductsEqualTheSingleGraphProduct()
    {
        using var scope = NewDisposeScope();
        var (net, objective, parameters) = SmallMlp(Activation.Tanh);
        var chunked = new SupervisedObjective(net, objective.Loss, objective.Features, objective.Targets, chunkRows: 7);
        Assert.AreEqual(5, chunked.ChunkCount);
        var v = ParameterVectors.Unflatten(torch.randn(new[] { parameters.Sum(p => p.numel()) }, ScalarType.Float64), parameters);
        var single = new HessianOperator(parameters, objective).Apply(v);
        var split = new HessianOperator(parameters, chunked).Apply(v);
        for (int i = 0; i < single.Length; i++) Assert.IsTrue(single[i].allclose(split[i], rtol: 1e-10, atol: 1e-12));
        Assert.AreEqual(new HessianOperator(parameters, objective).Quadratic(v), new HessianOperator(parameters, chunked).Quadratic(v), 1e-10);
    }

    [TestMethod]
    public void AFunctionWhoseGradientIsConstantHasAZeroHessianInsteadOfAnAbort()
    {
        // A linear loss: its gradient does not depend on w, which makes libtorch's second grad throw natively.
        using var scope = NewDisposeScope();
        var w = new TorchSharp.Modules.Parameter(torch.ones(3, ScalarType.Float64));
        var c = torch.tensor(new[] { 1.0, -2.0, 3.0 });
        var hessian = new HessianOperator(new[] { w }, new FunctionObjective(() => w.dot(c)));
        var hv = hessian.Apply(new[] { torch.ones(3, ScalarType.Float64) });
        Assert.AreEqual(0.0, hv[0].abs().max().item<double>());
    }

    [TestMethod]
    public void ANonScalarLossIsAManagedError()
    {
        using var scope = NewDisposeScope();
        var w = new TorchSharp.Modules.Parameter(torch.ones(3, ScalarType.Float64));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => new HessianOperator(new[] { w }, new FunctionObjective(() => w * 2)));
        StringAssert.Contains(e.Message, "scalar");
    }

    internal static (nn.Module<Tensor, Tensor> Net, SupervisedObjective Objective, Tensor[] Parameters) SmallMlp(Activation activation)
    {
        var net = new MultilayerPerceptron(4, new[] { 5, 3 }, 3, activation).Build(seed: 3, ScalarType.Float64);
        using var g = new Generator(11);
        var x = torch.randn(new long[] { 33, 4 }, ScalarType.Float64, generator: g);
        var y = torch.randint(0, 3, new long[] { 33 }, generator: g);
        var objective = new SupervisedObjective(net, Losses.SoftmaxCrossEntropy, x, y);
        return (net, objective, net.parameters().Select(p => (Tensor)p).ToArray());
    }

    /// <summary>The dense Hessian, row by row from the gradient's graph (reference only; test-sized models).</summary>
    internal static Tensor ExplicitHessian(IObjective objective, IReadOnlyList<Tensor> parameters)
    {
        var loss = objective.ChunkLoss(0);
        var grads = torch.autograd.grad(new[] { loss }, parameters.ToList(), retain_graph: true, create_graph: true);
        var flat = torch.cat(grads.Select(g => g.reshape(-1)).ToArray());
        long n = flat.shape[0];
        var rows = new Tensor[n];
        for (long i = 0; i < n; i++)
        {
            var row = torch.autograd.grad(new[] { flat[i] }, parameters.ToList(), retain_graph: true, allow_unused: true);
            rows[i] = torch.cat(row.Select((r, k) => r.IsInvalid ? torch.zeros_like(parameters[k]).reshape(-1) : r.reshape(-1)).ToArray());
        }
        return torch.stack(rows);
    }
}
