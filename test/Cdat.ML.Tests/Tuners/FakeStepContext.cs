using Cdat.ML.Tuners;

namespace Cdat.ML.Tests.Tuners;

/// <summary>A step context on a 1-D quadratic model along u, with scripted answers where a test needs them.</summary>
internal sealed class FakeStepContext : IStepContext
{
    public long Step { get; set; } = 1;
    public int StepsPerEpoch { get; set; } = 1;
    public double Loss { get; set; } = 1.0;
    public double GradientDotDirection { get; set; } = -1.0;
    public double GradientNormSquared { get; set; } = 1.0;
    public double DirectionNormSquared { get; set; } = 1.0;
    public double CurvatureValue { get; set; } = 1.0;
    public double NoiseValue { get; set; }
    public double DecreaseNoiseValue { get; set; }
    public Func<double, double>? LossFunction { get; set; }
    public List<double> Trials { get; } = new();

    public double Curvature() => CurvatureValue;

    public double GradientNoise() => NoiseValue;

    public double DecreaseNoise() => DecreaseNoiseValue;

    public double LossAt(double learningRate)
    {
        Trials.Add(learningRate);
        return LossFunction?.Invoke(learningRate)
            ?? Loss + learningRate * GradientDotDirection + 0.5 * learningRate * learningRate * CurvatureValue;
    }
}
