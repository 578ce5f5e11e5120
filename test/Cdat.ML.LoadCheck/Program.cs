// Usage: Cdat.ML.LoadCheck <model.zip> <input.csv> <input column> <vector size> <output.txt>
// Loads an ML.NET model in a process that has never touched a Cdat type, scores the CSV rows (one vector per line)
// and writes each row's Score values, round-trippable, one row per line.
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length != 5)
{
    Console.Error.WriteLine("usage: Cdat.ML.LoadCheck <model.zip> <input.csv> <input column> <vector size> <output.txt>");
    return 2;
}
var ml = new MLContext(seed: 0);
var model = ml.Model.Load(args[0], out _);
int size = int.Parse(args[3], CultureInfo.InvariantCulture);
var input = ml.Data.LoadFromTextFile(args[1], new[] { new TextLoader.Column(args[2], DataKind.Single, 0, size - 1) }, separatorChar: ',');
var scored = model.Transform(input);
var score = scored.Schema["Score"];
using var cursor = scored.GetRowCursor(new[] { score });
using var output = new StreamWriter(args[4]);
if (score.Type is VectorDataViewType)
{
    var getter = cursor.GetGetter<VBuffer<float>>(score);
    VBuffer<float> value = default;
    while (cursor.MoveNext())
    {
        getter(ref value);
        output.WriteLine(string.Join(",", value.DenseValues().Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
    }
}
else
{
    var getter = cursor.GetGetter<float>(score);
    float value = 0;
    while (cursor.MoveNext())
    {
        getter(ref value);
        output.WriteLine(value.ToString("R", CultureInfo.InvariantCulture));
    }
}
bool nativeTorchLoaded = System.Diagnostics.Process.GetCurrentProcess().Modules.Cast<System.Diagnostics.ProcessModule>()
    .Any(m => m.ModuleName.Contains("torch", StringComparison.OrdinalIgnoreCase));
Console.WriteLine($"native torch loaded: {nativeTorchLoaded}");
return 0;
