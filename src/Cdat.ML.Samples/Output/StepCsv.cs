using Cdat.ML.Diagnostics;
using Microsoft.ML;

namespace Cdat.ML.Samples.Output;

/// <summary>Writes per-step records as CSV, one column per field of the training trace (Step,Epoch,BatchRows,Loss,LearningRate,…).</summary>
internal static class StepCsv
{
    private static readonly MLContext Context = new(seed: 0);

    public static void Write(string path, IEnumerable<StepRecord> records)
    {
        using var stream = File.Create(path);
        Context.Data.SaveAsText(CdatModel.TraceToDataView(Context, records), stream, separatorChar: ',', headerRow: true, schema: false);
    }
}
