using System.Reflection;
using Cdat.ML;
using Microsoft.ML.Runtime;

namespace Microsoft.ML;

/// <summary>Catalog entries for <see cref="CdatTrainer"/>: <c>mlContext.{Regression|BinaryClassification|MulticlassClassification}.Trainers.Cdat(...)</c>.</summary>
public static class CdatCatalog
{
    /// <summary>Curvature-aware training of a neural network for regression.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="labelColumnName">Label column: Single.</param>
    /// <param name="featureColumnName">Feature column: known-size vector of Single (the trainer scales it robustly itself).</param>
    /// <param name="exampleWeightColumnName">Example weight column: Single, finite, ≥ 0 (default null: every row weighs the same; see <see cref="CdatTrainer.Options.ExampleWeightColumnName"/>).</param>
    /// <param name="hiddenLayers">Hidden-layer widths (default { 64 }; empty for a linear model).</param>
    /// <param name="batchSize">Rows per mini-batch (default: chosen by data size, see <see cref="CdatTrainer.Options.BatchSize"/>).</param>
    /// <param name="maxEpochs">Passes over the data (full batch: steps; default: chosen by data size, see <see cref="CdatTrainer.Options.MaxEpochs"/>).</param>
    public static CdatTrainer Cdat(this RegressionCatalog.RegressionTrainers catalog, string labelColumnName = "Label",
        string featureColumnName = "Features", string? exampleWeightColumnName = null, int[]? hiddenLayers = null, int? batchSize = null, int? maxEpochs = null)
        => new(Environment(catalog), CdatTask.Regression, Simple(labelColumnName, featureColumnName, exampleWeightColumnName, hiddenLayers, batchSize, maxEpochs));

    /// <summary>Curvature-aware training of a neural network for regression, with all options.</summary>
    public static CdatTrainer Cdat(this RegressionCatalog.RegressionTrainers catalog, CdatTrainer.Options options)
        => new(Environment(catalog), CdatTask.Regression, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>Curvature-aware training of a neural network for binary classification.</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="labelColumnName">Label column: Boolean.</param>
    /// <param name="featureColumnName">Feature column: known-size vector of Single (the trainer scales it robustly itself).</param>
    /// <param name="exampleWeightColumnName">Example weight column: Single, finite, ≥ 0 (default null: every row weighs the same; see <see cref="CdatTrainer.Options.ExampleWeightColumnName"/>).</param>
    /// <param name="hiddenLayers">Hidden-layer widths (default { 64 }; empty for logistic regression).</param>
    /// <param name="batchSize">Rows per mini-batch (default: chosen by data size, see <see cref="CdatTrainer.Options.BatchSize"/>).</param>
    /// <param name="maxEpochs">Passes over the data (full batch: steps; default: chosen by data size, see <see cref="CdatTrainer.Options.MaxEpochs"/>).</param>
    public static CdatTrainer Cdat(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, string labelColumnName = "Label",
        string featureColumnName = "Features", string? exampleWeightColumnName = null, int[]? hiddenLayers = null, int? batchSize = null, int? maxEpochs = null)
        => new(Environment(catalog), CdatTask.BinaryClassification, Simple(labelColumnName, featureColumnName, exampleWeightColumnName, hiddenLayers, batchSize, maxEpochs));

    /// <summary>Curvature-aware training of a neural network for binary classification, with all options.</summary>
    public static CdatTrainer Cdat(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, CdatTrainer.Options options)
        => new(Environment(catalog), CdatTask.BinaryClassification, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>Curvature-aware training of a neural network for multiclass classification.</summary>
    /// <param name="catalog">The multiclass classification trainers catalog.</param>
    /// <param name="labelColumnName">Label column: a key (use MapValueToKey).</param>
    /// <param name="featureColumnName">Feature column: known-size vector of Single (the trainer scales it robustly itself).</param>
    /// <param name="exampleWeightColumnName">Example weight column: Single, finite, ≥ 0 (default null: every row weighs the same; see <see cref="CdatTrainer.Options.ExampleWeightColumnName"/>).</param>
    /// <param name="hiddenLayers">Hidden-layer widths (default { 64 }; empty for multinomial logistic regression).</param>
    /// <param name="batchSize">Rows per mini-batch (default: chosen by data size, see <see cref="CdatTrainer.Options.BatchSize"/>).</param>
    /// <param name="maxEpochs">Passes over the data (full batch: steps; default: chosen by data size, see <see cref="CdatTrainer.Options.MaxEpochs"/>).</param>
    public static CdatTrainer Cdat(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label",
        string featureColumnName = "Features", string? exampleWeightColumnName = null, int[]? hiddenLayers = null, int? batchSize = null, int? maxEpochs = null)
        => new(Environment(catalog), CdatTask.MulticlassClassification, Simple(labelColumnName, featureColumnName, exampleWeightColumnName, hiddenLayers, batchSize, maxEpochs));

    /// <summary>Curvature-aware training of a neural network for multiclass classification, with all options.</summary>
    public static CdatTrainer Cdat(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, CdatTrainer.Options options)
        => new(Environment(catalog), CdatTask.MulticlassClassification, options ?? throw new ArgumentNullException(nameof(options)));

    private static CdatTrainer.Options Simple(string label, string features, string? weight, int[]? hidden, int? batchSize, int? maxEpochs) => new()
    {
        LabelColumnName = label,
        FeatureColumnName = features,
        ExampleWeightColumnName = weight,
        HiddenLayers = hidden ?? new[] { 64 },
        BatchSize = batchSize,
        MaxEpochs = maxEpochs,
    };

    /// <summary>
    /// The MLContext behind a trainers catalog, for its seed and its Log. ML.NET exposes it only through an internal
    /// interface, so it is read by reflection; if that ever fails, training still works, with seed 0 and no log lines.
    /// </summary>
    private static IHostEnvironment? Environment(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        try
        {
            var internalCatalog = catalog.GetType().GetInterfaces().FirstOrDefault(i => i.FullName == "Microsoft.ML.Data.IInternalCatalog");
            return internalCatalog?.GetProperty("Environment", BindingFlags.Public | BindingFlags.Instance)?.GetValue(catalog) as IHostEnvironment;
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }
}
