using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Curvature;

/// <summary>
/// The only entry to <c>torch.autograd.grad</c>. TorchSharp does not catch libtorch errors there, so a wrong call
/// aborts the process; every precondition is checked here first and turned into a managed exception or an exact
/// answer (a zero derivative).
/// </summary>
internal static class SafeAutograd
{
    /// <summary>
    /// d<paramref name="output"/>/d<paramref name="inputs"/>. The graph is always retained (it is freed with the
    /// tensors' dispose scope), so a closure that hands back a tensor twice cannot trigger a native abort.
    /// Inputs that do not influence the output get zeros.
    /// </summary>
    public static Tensor[] Grad(Tensor output, IReadOnlyList<Tensor> inputs, bool createGraph)
    {
        if (output is null) throw new ArgumentNullException(nameof(output), "The loss is null.");
        if (output.IsInvalid) throw new InvalidOperationException("The loss tensor has been disposed.");
        if (output.numel() != 1)
            throw new InvalidOperationException($"The loss must be a scalar, but it has shape [{string.Join(", ", output.shape)}].");
        if (!output.is_floating_point())
            throw new InvalidOperationException($"The loss must be a floating-point tensor, not {output.dtype}.");
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].IsInvalid) throw new InvalidOperationException($"Parameter {i} has been disposed.");
            if (!inputs[i].requires_grad) throw new InvalidOperationException($"Parameter {i} does not require a gradient.");
        }

        // Nothing depends on the inputs (e.g. the gradient of a linear function): the derivative is exactly 0.
        if (!output.requires_grad) return inputs.Select(p => torch.zeros_like(p)).ToArray();

        var grads = torch.autograd.grad(new[] { output }, inputs as IList<Tensor> ?? inputs.ToList(), retain_graph: true, create_graph: createGraph, allow_unused: true);
        var result = new Tensor[inputs.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = grads[i] is { IsInvalid: false } g ? g : torch.zeros_like(inputs[i]);
        return result;
    }
}
