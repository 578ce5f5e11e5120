using static TorchSharp.torch;

namespace Cdat.ML.Training;

/// <summary>
/// A task metric scored on all validation rows at each validation check, beside the loss (accuracy, AUC, R²...): it
/// needs every row's output at once, since AUC does not add up over batches.
/// </summary>
public interface IValidationMetric
{
    /// <summary>Short name, e.g. "AUC".</summary>
    string Name { get; }
    /// <summary>The metric of <paramref name="outputs"/> (all validation rows) against <paramref name="targets"/>; higher is better.</summary>
    double Compute(Tensor outputs, Tensor targets);
}
