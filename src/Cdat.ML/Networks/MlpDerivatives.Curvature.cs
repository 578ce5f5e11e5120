using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace Cdat.ML.Networks;

/// <summary>The curvature along a direction, by the R-operator on the same forward pass as the gradient.</summary>
internal sealed partial class MlpDerivatives
{
    /// <summary>
    /// uᵀHu: the curvature of the same loss along <paramref name="direction"/> (flat, like the parameters); over a part of a
    /// batch of <paramref name="meanOver"/> rows as <see cref="LossAndGradient"/> says.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Quadratic(ReadOnlySpan<float> theta, ReadOnlySpan<float> direction, ReadOnlySpan<float> x, ReadOnlySpan<float> targets,
                            ReadOnlySpan<float> weights, int rows, double weightDecay, object? owner = null, int meanOver = 0)
    {
        Prepare(rows);
        Forward(theta, x, rows, owner);
        for (int l = 0; l < _layers - 1; l++)
        {
            int size = rows * _widths[l + 1];
            ActivationDerivatives.Bends(_activation, _z[l].AsSpan(0, size), _a[l].AsSpan(0, size), _slope[l].AsSpan(0, size), _bend[l].AsSpan(0, size));
        }
        // R-forward: RZ = RA_prev·Wᵀ + (A_prev·Vᵀ + v_b); Q = RA_prev·Vᵀ. RA_prev is 0 for the inputs.
        for (int l = 0; l < _layers; l++)
        {
            int inputs = _widths[l], outputs = _widths[l + 1], at = _offsets[l];
            ReadOnlySpan<float> input = l == 0 ? x : _a[l - 1];
            var rz = _rz[l].AsSpan(0, rows * outputs);
            Affine(direction, l, input, rz, rows);
            // The first half of Q_l keeps S = A_prev·Vᵀ + v_b, which the contraction below needs.
            rz.CopyTo(_q[l]);
            if (l > 0)
            {
                Gemm.Multiply(_ra[l - 1], _transposed, _scratch, rows, inputs, outputs);
                _scratch.AsSpan(0, rows * outputs).CopyTo(_q[l].AsSpan(rows * outputs));
                Gemm.Transpose(theta.Slice(at, outputs * inputs), _transposed, outputs, inputs);
                Gemm.Multiply(_ra[l - 1], _transposed, rz, rows, inputs, outputs, accumulate: true);
            }
            if (l < _layers - 1) TensorPrimitives.Multiply(_slope[l].AsSpan(0, rows * outputs), rz, _ra[l].AsSpan(0, rows * outputs));
        }
        int divisor = MeanOver(rows, meanOver);
        OutputLosses.Gradient(_loss, _z[_layers - 1], _widths[^1], targets, weights, rows, divisor, _d, _probabilities);
        OutputLosses.Curvature(_loss, _z[_layers - 1], _widths[^1], weights, rows, divisor, _rz[_layers - 1], _rd, _probabilities);
        // R-backward, contracted with v as it goes: ⟨V_l, R∂W_l⟩ + ⟨v_b, R∂b_l⟩ = ⟨RD, S_l⟩ + ⟨D, Q_l⟩.
        double sum = 0;
        var (d, dNext, rd, rdNext) = (_d, _dNext, _rd, _rdNext);
        for (int l = _layers - 1; l >= 0; l--)
        {
            int inputs = _widths[l], outputs = _widths[l + 1], at = _offsets[l], size = rows * outputs;
            sum += TensorPrimitives.Dot(rd.AsSpan(0, size), _q[l].AsSpan(0, size));
            if (l > 0) sum += TensorPrimitives.Dot(d.AsSpan(0, size), _q[l].AsSpan(size, size));
            if (l == 0) break;
            var w = theta.Slice(at, outputs * inputs);
            var v = direction.Slice(at, outputs * inputs);
            Gemm.Multiply(d, w, _e, rows, outputs, inputs);
            Gemm.Multiply(rd, w, _re, rows, outputs, inputs);
            Gemm.Multiply(d, v, _re, rows, outputs, inputs, accumulate: true);
            int inner = rows * inputs;
            var slope = _slope[l - 1].AsSpan(0, inner);
            var e = _e.AsSpan(0, inner);
            TensorPrimitives.Multiply(e, slope, dNext.AsSpan(0, inner));
            TensorPrimitives.Multiply(_re.AsSpan(0, inner), slope, rdNext.AsSpan(0, inner));
            // + E ⊙ σ''(Z) ⊙ RZ, with the product E ⊙ σ''(Z) in the scratch buffer.
            var bent = _scratch.AsSpan(0, inner);
            TensorPrimitives.Multiply(e, _bend[l - 1].AsSpan(0, inner), bent);
            TensorPrimitives.MultiplyAdd(bent, _rz[l - 1].AsSpan(0, inner), rdNext.AsSpan(0, inner), rdNext.AsSpan(0, inner));
            (d, dNext) = (dNext, d);
            (rd, rdNext) = (rdNext, rd);
        }
        if (weightDecay > 0) sum += weightDecay * TensorPrimitives.Dot(direction, direction);
        return sum;
    }
}
