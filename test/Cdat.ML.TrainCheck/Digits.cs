using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.TrainCheck;

internal static class Digits
{
    /// <summary>The digits CSV with a key Label and normalised Features, the first <paramref name="rows"/> rows (all by default).</summary>
    public static IDataView Load(MLContext ml, string path, long? rows = null)
    {
        IDataView data = ml.Data.LoadFromTextFile(path, new[]
        {
            new TextLoader.Column("Pixels", DataKind.Single, 0, 63),
            new TextLoader.Column("Digit", DataKind.Single, 64),
        }, separatorChar: ',', hasHeader: true);
        if (rows is long n) data = ml.Data.TakeRows(data, n);
        return ml.Transforms.Conversion.MapValueToKey("Label", "Digit")
            .Append(ml.Transforms.NormalizeMeanVariance("Features", "Pixels")).Fit(data).Transform(data);
    }
}
