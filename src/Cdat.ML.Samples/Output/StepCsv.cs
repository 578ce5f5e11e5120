using System.Globalization;
using Cdat.ML.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Cdat.ML.Samples.Output;

/// <summary>
/// Writes per-step records as CSV: the columns of the training trace (Step,Epoch,BatchRows,Loss,LearningRate,…), read from
/// <see cref="CdatModel.TraceToDataView"/>; a value that was not measured is an empty field.
/// </summary>
internal static class StepCsv
{
    private static readonly MLContext Context = new(seed: 0);

    public static void Write(string path, IEnumerable<StepRecord> records)
    {
        var view = CdatModel.TraceToDataView(Context, records);
        var columns = view.Schema.ToArray();
        using var w = new StreamWriter(path);
        w.WriteLine(string.Join(",", columns.Select(c => c.Name)));
        using var cursor = view.GetRowCursor(columns);
        var getters = columns.Select(c => Getter(cursor, c)).ToArray();
        while (cursor.MoveNext()) w.WriteLine(string.Join(",", getters.Select(g => g())));
    }


    private static Func<string> Getter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        if (column.Type == NumberDataViewType.Double)
        {
            var get = cursor.GetGetter<double>(column);
            return () => { double v = 0; get(ref v); return double.IsNaN(v) ? "" : v.ToString("G9", CultureInfo.InvariantCulture); };
        }
        if (column.Type == NumberDataViewType.Int64)
        {
            var get = cursor.GetGetter<long>(column);
            return () => { long v = 0; get(ref v); return v.ToString(CultureInfo.InvariantCulture); };
        }
        if (column.Type == NumberDataViewType.Int32)
        {
            var get = cursor.GetGetter<int>(column);
            return () => { int v = 0; get(ref v); return v.ToString(CultureInfo.InvariantCulture); };
        }
        var text = cursor.GetGetter<ReadOnlyMemory<char>>(column);
        return () => { ReadOnlyMemory<char> v = default; text(ref v); return v.ToString(); };
    }
}
