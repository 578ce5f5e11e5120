using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML;

/// <summary>Operations on lists of tensors shaped like the parameters, seen as one flat vector.</summary>
internal static class ParameterVectors
{
    /// <summary>Σ_i ⟨a_i, b_i⟩ accumulated in float64, with one device synchronisation.</summary>
    public static double Dot(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b) => Dots((a, b))[0];

    /// <summary>Copies made without gradients that belong to no dispose scope: the caller disposes them.</summary>
    public static Tensor[] DetachedCopies(IEnumerable<Tensor> tensors)
    {
        using var scope = torch.NewDisposeScope();  // takes the detach() views
        using var _ = torch.no_grad();
        return tensors.Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Several dot products with a single device synchronisation.</summary>
    public static double[] Dots(params (IReadOnlyList<Tensor> A, IReadOnlyList<Tensor> B)[] pairs)
    {
        if (pairs.All(p => p.A.Count == p.B.Count && HostMemory.AllHostFloat(p.A, p.B)))
        {
            // Small float32 CPU vectors: a managed loop, not a libtorch call per tensor.
            var result = new double[pairs.Length];
            for (int k = 0; k < pairs.Length; k++)
                for (int i = 0; i < pairs[k].A.Count; i++)
                    result[k] += HostMemory.Dot(HostMemory.Floats(pairs[k].A[i]), HostMemory.Floats(pairs[k].B[i]));
            return result;
        }
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var sums = new Tensor[pairs.Length];
        for (int k = 0; k < pairs.Length; k++)
        {
            var (a, b) = pairs[k];
            if (a.Count != b.Count) throw new ArgumentException($"Vector lengths differ: {a.Count} and {b.Count} tensors.");
            var parts = new Tensor[a.Count];
            for (int i = 0; i < a.Count; i++)
                parts[i] = (a[i] * b[i]).sum(ScalarType.Float64);
            sums[k] = parts.Length == 1 ? parts[0] : torch.stack(parts).sum();
        }
        return torch.stack(sums).cpu().data<double>().ToArray();
    }

    /// <summary>The tensors concatenated into one flat vector of <paramref name="dtype"/> (detached).</summary>
    public static Tensor Flatten(IReadOnlyList<Tensor> parts, ScalarType dtype)
    {
        using var _ = torch.no_grad();
        return torch.cat(parts.Select(p => p.detach().reshape(-1).to(dtype)).ToArray());
    }

    /// <summary>A flat vector split back into tensors shaped and typed like <paramref name="like"/>.</summary>
    public static Tensor[] Unflatten(Tensor flat, IReadOnlyList<Tensor> like)
    {
        using var _ = torch.no_grad();
        var result = new Tensor[like.Count];
        long offset = 0;
        for (int i = 0; i < like.Count; i++)
        {
            long n = like[i].numel();
            result[i] = flat.narrow(0, offset, n).view_as(like[i]).to(like[i].dtype);
            offset += n;
        }
        if (offset != flat.numel()) throw new ArgumentException($"Vector has {flat.numel()} entries but the parameters have {offset}.");
        return result;
    }

    /// <summary>Whether every entry of every tensor is finite (one synchronisation).</summary>
    public static bool AllFinite(IReadOnlyList<Tensor> parts)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var flags = parts.Select(p => torch.isfinite(p).all()).ToArray();
        return torch.stack(flags).all().item<bool>();
    }
}
