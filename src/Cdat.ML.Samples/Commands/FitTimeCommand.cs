using System.CommandLine;
using System.Diagnostics;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Suite;
using Microsoft.ML;
using Spectre.Console;
using static System.FormattableString;

namespace Cdat.ML.Samples.Commands;

/// <summary>
/// Where a default fit's time goes, beside LightGbm's in the same process: the suite's sets and featurisation, the
/// default trainer at one seed fitted several times (the first fit also pays for compiling and loading libtorch),
/// each fit split into its training loop (per step) and the rest (reading the rows, measuring their scaling, the model).
/// </summary>
internal static class FitTimeCommand
{
    public static Command Create()
    {
        var command = new Command("fit-time", "Times default Cdat fits against LightGbm's in one process: whole fit, training loop, per step.");
        var sets = new Option<string?>("--sets") { Description = "Comma-separated suite or meta-benchmark sets (default adult, bike-sharing, covertype)" };
        var repeats = new Option<int>("--repeats") { Description = "Fits of each trainer, alternating (the first Cdat fit is reported apart)", DefaultValueFactory = _ => 4 };
        var seed = new Option<int>("--seed") { Description = "Cdat's seed (every fit the same run)", DefaultValueFactory = _ => 0 };
        foreach (var o in new Option[] { sets, repeats, seed }) command.Options.Add(o);
        CommandRunner.SetAction(command, result =>
        {
            int count = result.GetValue(repeats);
            if (count < 2) throw new ArgumentException("--repeats must be at least 2.");
            var meta = MetaSets.Read(MetaSets.ShippedFolder, normalize: true);
            var all = SuiteSet.All.Concat(meta.Where(m => SuiteSet.All.All(s => s.Name != m.Name))).ToList();
            foreach (var set in SuiteSet.Pick(all, result.GetValue(sets) ?? "adult,bike-sharing,covertype"))
                Run(set, count, result.GetValue(seed));
            return 0;
        });
        return command;
    }

    private static void Run(SuiteSet set, int repeats, int seed)
    {
        var ml = new MLContext(seed: 0);
        var (rawTrain, _) = set.Split(ml, 1, null);
        var train = ml.Data.Cache(set.Prep(ml).Fit(rawTrain).Transform(rawTrain));
        train.Preview(1);
        var cdat = new List<(double Fit, double Loop, long Steps)>();
        var lightGbm = new List<double>();
        var lightGbmTrainer = SuiteTrainer.MLNet(set.Task).Single(t => t.Name == "LightGbm");
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            var model = (CdatTransformer)SuiteTrainer.Cdat(ml, set.Task, new CdatTrainer.Options { Seed = seed }).Fit(train);
            double fit = clock.Elapsed.TotalSeconds;
            cdat.Add((fit, model.TrainingMetrics.TrainingSeconds, model.TrainingMetrics.Steps));
            clock.Restart();
            lightGbmTrainer.Create(ml, 0).Fit(train);
            lightGbm.Add(clock.Elapsed.TotalSeconds);
        }
        var later = cdat.Skip(1).ToList();
        static double Median(IEnumerable<double> values) => Stats.Median(values);
        double fitMedian = Median(later.Select(c => c.Fit)), lightGbmMedian = Median(lightGbm.Skip(1));
        AnsiConsole.MarkupLine(Invariant($"[bold]{set.Name}[/]: first fit {cdat[0].Fit:F2} s (loop {cdat[0].Loop:F2} s); later fits, median of {later.Count}: ") +
            Invariant($"{fitMedian:F2} s, of which the loop {Median(later.Select(c => c.Loop)):F2} s ({Median(later.Select(c => 1e6 * c.Loop / c.Steps)):F0} µs a step, {later[0].Steps} steps); ") +
            Invariant($"LightGbm {lightGbmMedian:F2} s: {fitMedian / lightGbmMedian:F2}× (fits: {string.Join(", ", later.Select(c => c.Fit.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} s)"));
    }
}
