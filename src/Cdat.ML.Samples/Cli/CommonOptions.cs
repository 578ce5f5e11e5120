using System.CommandLine;
using System.Globalization;
using Cdat.ML.Networks;

namespace Cdat.ML.Samples.Cli;

/// <summary>Settings shared by every command.</summary>
internal sealed record Settings(
    string Dataset, string? Label, string Loss, int[] Hidden, Activation Activation, string Direction, long Steps, int? BatchSize,
    string Device, long Seed, string OutputDirectory, int? Limit)
{
    /// <summary>The MLP these settings build, e.g. "MLP 32-32 tanh".</summary>
    public string MlpName => FormattableString.Invariant($"MLP {string.Join("-", Hidden)} {Activation.ToString().ToLowerInvariant()}");

    /// <summary>
    /// One line for the console; <paramref name="length"/> replaces "N steps" where a command counts otherwise,
    /// <paramref name="batches"/> the batch, <paramref name="network"/> names a network other than the settings' MLP,
    /// <paramref name="directions"/> the directions of a command that runs several, and <paramref name="seeds"/> the
    /// number of seeds of a command that repeats over seeds 0..N-1.
    /// </summary>
    public string Describe(string? length = null, string? batches = null, string? network = null, IEnumerable<string>? directions = null, int? seeds = null) => FormattableString.Invariant(
        $"{Dataset}, {Loss}, {network ?? MlpName}, {(directions is null ? Direction : string.Join("/", directions))}, {length ?? $"{Steps} steps"}, {batches ?? (BatchSize is int b ? $"batch {b}" : "full batch")}, {Device}, {(seeds is int n and > 1 ? $"seeds 0-{n - 1}" : $"seed {(seeds is null ? Seed : 0)}")}");
}

/// <summary>The options every command takes, with per-command defaults.</summary>
internal sealed class CommonOptions
{
    public readonly Option<string> Dataset = new("--dataset") { Description = "digits | breast-cancer | diabetes | fashion-mnist | <path.csv>", DefaultValueFactory = _ => "digits" };
    public readonly Option<string?> Label = new("--label") { Description = "Label column of a CSV data set (every other numeric column is a feature; features are standardised)" };
    public readonly Option<string> Loss = new("--loss") { Description = "mse | ce (squared error on one-hot targets, or cross-entropy/logistic)" };
    public readonly Option<string> Hidden = new("--hidden") { Description = "Hidden layer widths, e.g. 64,64 (empty for a linear model)" };
    public readonly Option<string> Activation = new("--activation") { Description = "tanh | relu | gelu", DefaultValueFactory = _ => "tanh" };
    public readonly Option<string> Direction = new("--direction") { Description = "gd | momentum | rmsprop | adam", DefaultValueFactory = _ => "gd" };
    public readonly Option<long?> Steps = new("--steps") { Description = "Optimisation steps" };
    public readonly Option<int?> BatchSize = new("--batch-size") { Description = "Rows per mini-batch (full batch when unset)" };
    public readonly Option<string> Device = new("--device") { Description = "cpu | cuda", DefaultValueFactory = _ => "cpu" };
    public readonly Option<long> Seed = new("--seed") { Description = "Seed of the initial weights, batches and split", DefaultValueFactory = _ => 0 };
    public readonly Option<string?> Out = new("--out") { Description = "Output folder for CSV and PNG files (default: out/<command>-<time>)" };
    public readonly Option<int?> Limit = new("--limit") { Description = "Use only the first N rows of the data set (quick runs)" };

    private readonly string _loss, _hidden;
    private readonly long _steps;

    public CommonOptions(string loss = "mse", string hidden = "32,32", long steps = 1000)
    {
        (_loss, _hidden, _steps) = (loss, hidden, steps);
        Loss.DefaultValueFactory = _ => loss;
        Hidden.DefaultValueFactory = _ => hidden;
        Steps.Description += $" (default {steps})";
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Dataset, Label, Loss, Hidden, Activation, Direction, Steps, BatchSize, Device, Seed, Out, Limit })
            command.Options.Add(option);
    }

    /// <summary>
    /// A comma-separated list of positive numbers such as "0.1,0.25,0.5" (rates, σ values, batch sizes), read with the
    /// invariant culture; a message naming <paramref name="option"/> when it is empty or holds anything else.
    /// </summary>
    public static double[] Numbers(string option, string text)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x) && x > 0 ? x : double.NaN).ToArray();
        if (values.Length == 0 || values.Any(double.IsNaN))
            throw new ArgumentException($"{option} must list positive numbers separated by commas, such as 0.1,0.5,1; not '{text}'.");
        return values;
    }

    public Settings Read(ParseResult result, string command)
    {
        string loss = (result.GetValue(Loss) ?? _loss).ToLowerInvariant();
        if (loss is not ("mse" or "ce")) throw new ArgumentException($"--loss must be mse or ce, not '{loss}'.");
        string hiddenText = result.GetValue(Hidden) ?? _hidden;
        int[] hidden;
        try { hidden = hiddenText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(h => int.Parse(h, CultureInfo.InvariantCulture)).ToArray(); }
        catch (FormatException) { throw new ArgumentException($"--hidden must be comma-separated widths such as 64,64, not '{hiddenText}'."); }
        var activation = (result.GetValue(Activation) ?? "tanh").ToLowerInvariant() switch
        {
            "tanh" => Networks.Activation.Tanh,
            "relu" => Networks.Activation.Relu,
            "gelu" => Networks.Activation.Gelu,
            var other => throw new ArgumentException($"--activation must be tanh, relu or gelu, not '{other}'."),
        };
        string direction = (result.GetValue(Direction) ?? "gd").ToLowerInvariant();
        if (direction is not ("gd" or "momentum" or "rmsprop" or "adam")) throw new ArgumentException($"--direction must be gd, momentum, rmsprop or adam, not '{direction}'.");
        string device = (result.GetValue(Device) ?? "cpu").ToLowerInvariant();
        string output = result.GetValue(Out) ?? Path.Combine("out", $"{command}-{DateTime.Now:yyyyMMdd-HHmmss}");
        Directory.CreateDirectory(output);
        return new Settings(result.GetValue(Dataset) ?? "digits", result.GetValue(Label), loss, hidden, activation, direction,
            result.GetValue(Steps) ?? _steps, result.GetValue(BatchSize), device, result.GetValue(Seed), Path.GetFullPath(output), result.GetValue(Limit));
    }
}
