using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cdat.ML.Tests;

/// <summary>f(w) = ½ wᵀAw with a known spectrum, in float64: every tuner's answer is exact here.</summary>
internal sealed class Quadratic : IDisposable
{
    public Quadratic(double[] eigenvalues, long seed = 7)
    {
        Eigenvalues = eigenvalues;
        int n = eigenvalues.Length;
        using var g = new Generator((ulong)seed);
        using (var scope = NewDisposeScope())
        {
            var (q, _) = torch.linalg.qr(torch.randn(new long[] { n, n }, ScalarType.Float64, generator: g));
            Basis = q.DetachFromDisposeScope();
            var a = q.mm(torch.diag(torch.tensor(eigenvalues, ScalarType.Float64))).mm(q.t());
            A = (a + a.t()).mul(0.5).DetachFromDisposeScope();
        }
        // A Parameter made from a scoped tensor would die with the scope: build it outside.
        W = new Parameter(torch.randn(new long[] { n }, ScalarType.Float64, generator: g));
    }

    public double[] Eigenvalues { get; }
    public Tensor A { get; }
    public Tensor Basis { get; }
    public Parameter W { get; }

    public Tensor Loss() => W.dot(A.mv(W)).mul(0.5);

    public double Value() { using var _ = no_grad(); using var l = Loss(); return l.item<double>(); }

    public double ValueAt(Tensor w) { using var scope = NewDisposeScope(); return w.dot(A.mv(w)).mul(0.5).item<double>(); }

    /// <summary>Sets w to <paramref name="scale"/> times eigenvector <paramref name="index"/>.</summary>
    public void SetToEigenvector(int index, double scale = 1.0)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        W.copy_(Basis[.., index].mul(scale));
    }

    public void Set(Tensor w) { using var _ = no_grad(); W.copy_(w); }

    public Tensor Snapshot() { using var _ = no_grad(); return W.detach().clone(); }

    public void Dispose() { A.Dispose(); Basis.Dispose(); W.Dispose(); }
}
