using TorchSharp;
using static TorchSharp.torch;

namespace Cdat.ML.Directions;

/// <summary>One state tensor per parameter (a momentum or a moment), created lazily at zero and kept outside dispose scopes.</summary>
internal sealed class ParameterState : IDisposable
{
    private Tensor[]? _tensors;

    public Tensor[] For(IReadOnlyList<Tensor> like)
    {
        if (_tensors is null)
        {
            _tensors = new Tensor[like.Count];
            for (int i = 0; i < like.Count; i++)
                _tensors[i] = torch.zeros_like(like[i]).DetachFromDisposeScope();
        }
        else if (_tensors.Length != like.Count)
        {
            throw new ArgumentException($"The direction was created for {_tensors.Length} parameter tensors but got {like.Count}.");
        }
        return _tensors;
    }

    public Tensor[]? Existing => _tensors;

    public void Dispose()
    {
        if (_tensors is null) return;
        foreach (var t in _tensors) t.Dispose();
        _tensors = null;
    }
}
