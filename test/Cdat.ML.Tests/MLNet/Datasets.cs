using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Tests.MLNet;

/// <summary>The real data sets in data/ (see data/README.md) as IDataViews, with seeded held-out splits.</summary>
internal static class Datasets
{
    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "data", file);

    /// <summary>All 1797 digits rows: Pixels (64) and Digit.</summary>
    public static IDataView All(MLContext ml) => ml.Data.LoadFromTextFile(PathOf("digits.csv"), new[]
    {
        new TextLoader.Column("Pixels", DataKind.Single, 0, 63),
        new TextLoader.Column("Digit", DataKind.Single, 64),
    }, separatorChar: ',', hasHeader: true);

    /// <summary>Digits: Features (64 pixels), Label as a key with values 0..9.</summary>
    public static (IDataView Train, IDataView Test) Digits(MLContext ml, int seed = 1)
    {
        var data = All(ml);
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: seed);
        return (split.TrainSet, split.TestSet);
    }

    /// <summary>The digits preprocessing: key label and standardised features.</summary>
    public static IEstimator<ITransformer> DigitsPrep(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label", "Digit")
            .Append(ml.Transforms.NormalizeMeanVariance("Features", "Pixels"));

    /// <summary>Breast cancer: 30 features, Label = Benign (Boolean).</summary>
    public static (IDataView Train, IDataView Test) BreastCancer(MLContext ml, int seed = 1)
    {
        var data = ml.Data.LoadFromTextFile(PathOf("breast_cancer.csv"), new[]
        {
            new TextLoader.Column("Measurements", DataKind.Single, 0, 29),
            new TextLoader.Column("Label", DataKind.Boolean, 30),
        }, separatorChar: ',', hasHeader: true);
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: seed);
        return (split.TrainSet, split.TestSet);
    }

    public static IEstimator<ITransformer> BreastCancerPrep(MLContext ml) => ml.Transforms.NormalizeMeanVariance("Features", "Measurements");

    /// <summary>Diabetes: 10 raw features, Label = Progression.</summary>
    public static (IDataView Train, IDataView Test) Diabetes(MLContext ml, int seed = 1)
    {
        var data = ml.Data.LoadFromTextFile(PathOf("diabetes.csv"), new[]
        {
            new TextLoader.Column("Raw", DataKind.Single, 0, 9),
            new TextLoader.Column("Label", DataKind.Single, 10),
        }, separatorChar: ',', hasHeader: true);
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: seed);
        return (split.TrainSet, split.TestSet);
    }

    public static IEstimator<ITransformer> DiabetesPrep(MLContext ml) => ml.Transforms.NormalizeMeanVariance("Features", "Raw");
}
