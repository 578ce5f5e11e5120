namespace Cdat.ML.Networks;

/// <summary>Hidden-layer activation of a <see cref="MultilayerPerceptron"/>.</summary>
public enum Activation
{
    /// <summary>Hyperbolic tangent (smooth; the edge-of-stability literature's default).</summary>
    Tanh,
    /// <summary>Rectified linear unit (its Hessian is the almost-everywhere one).</summary>
    Relu,
    /// <summary>Gaussian error linear unit.</summary>
    Gelu,
}
