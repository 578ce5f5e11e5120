namespace Cdat.ML.Scoring;

/// <summary>Functions the managed forward pass needs and .NET lacks.</summary>
internal static class SpecialFunctions
{
    /// <summary>
    /// The error function through the Chebyshev fit of erfc from Numerical Recipes (relative error below 1.2e-7
    /// everywhere, below float32 resolution of the GELU it feeds).
    /// </summary>
    public static double Erf(double x)
    {
        double z = Math.Abs(x), t = 1.0 / (1.0 + 0.5 * z);
        double erfc = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1.0 - erfc : erfc - 1.0;
    }
}
