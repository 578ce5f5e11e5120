using System.CommandLine;
using System.Globalization;
using System.Text;
using Cdat.ML.Directions;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Datasets;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using Spectre.Console;
using static System.FormattableString;

namespace Cdat.ML.Samples.Commands;

/// <summary>
/// Full batch, over seeds: every step-size rule against tuned baselines (the best constant rate of a grid and the best
/// warm-up + cosine schedule, both chosen per seed on the final training loss, which favours them), for each direction.
/// Writes study.md (median and range over seeds) and study.csv (every run), rewritten after every seed.
/// </summary>
internal static class StudyCommand
{
    public static Command Create()
    {
        var command = new Command("study", "Full batch over seeds: CDAT (a σ sweep), greedy, Armijo, Polyak, DoG, and with Adam Prodigy and schedule-free AdamW (an η sweep), against the best constant rate and the best warm-up + cosine schedule of a grid, per direction.");
        var common = new CommonOptions(loss: "mse", hidden: "32,32", steps: 1000);
        common.AddTo(command);
        var directions = new Option<string>("--directions") { Description = "Directions: gd, momentum, rmsprop, adam", DefaultValueFactory = _ => "gd,adam" };
        var seeds = new Option<int>("--seeds") { Description = "Seeds 0..N-1 (initial weights and split)", DefaultValueFactory = _ => 5 };
        var sigmas = new Option<string>("--sigmas") { Description = "CDAT σ values (β = 0)", DefaultValueFactory = _ => "1.8,1.9,2,2.1" };
        var grid = new Option<string?>("--lr-grid") { Description = "Constant rates, for every direction of --directions (default: a grid per direction)" };
        var peakGrid = new Option<string?>("--peak-grid") { Description = "Peak rates of the warm-up + cosine schedule, for every direction of --directions (default: the upper half of the constant grid and 1.5, 2 and 3 times its top)" };
        var every = new Option<int>("--sharpness-every") { Description = "Steps between sharpness measurements", DefaultValueFactory = _ => 50 };
        var network = new Option<string>("--network") { Description = "mlp (the --hidden widths and --activation) | cnn (28×28 images, 10 classes: two 3×3 convolutions with ReLU and pooling, a hidden layer; --hidden and --activation do not apply)", DefaultValueFactory = _ => "mlp" };
        // Smaller than the fashion command's CNN (16,32,128): every full-batch step of a rule takes Hessian-vector products.
        var cnnWidths = new Option<string>("--cnn-widths") { Description = "The CNN's channels of its two convolutions and its hidden width", DefaultValueFactory = _ => "8,16,32" };
        foreach (var o in new Option[] { directions, seeds, sigmas, grid, peakGrid, every, network, cnnWidths }) command.Options.Add(o);
        CommandRunner.SetAction(command, result =>
        {
            var s = common.Read(result, "study");
            if (result.GetValue(seeds) < 1) throw new ArgumentException("--seeds must be at least 1.");
            // Sorted and distinct, so that the edge warnings look at the ends of the grid.
            double[]? Grid(Option<string?> o) => result.GetValue(o) is string text ? CommonOptions.Numbers(o.Name, text).Order().Distinct().ToArray() : null;
            var net = Network(result.GetValue(network)!, result.GetValue(cnnWidths)!);
            return Run(s, result.GetValue(directions)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                result.GetValue(seeds), CommonOptions.Numbers(sigmas.Name, result.GetValue(sigmas)!), Grid(grid), result.GetValue(every), net, Grid(peakGrid));
        });
        return command;
    }

    /// <summary>Default constant grids: wide enough that the best rate is inside, the top rates unstable.</summary>
    public static double[] DefaultGrid(string direction) => direction switch
    {
        // Heavy ball (u = −m, m ← g + 0.9·m) is stable up to lr·λ < 3.8, nearly twice GD's 2: its grid reaches past GD's.
        "momentum" => new[] { 0.05, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0, 1.3 },
        "rmsprop" or "adam" => new[] { 0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1 },
        _ => new[] { 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5 },
    };

    /// <summary>A network other than the settings' MLP: its name and how to build it from a seed.</summary>
    public sealed record NetworkChoice(string Name, Func<long, TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>> Build);

    private static NetworkChoice? Network(string kind, string widths)
    {
        switch (kind.ToLowerInvariant())
        {
            case "mlp": return null;
            case "cnn":
                var w = widths.Split(',', StringSplitOptions.TrimEntries)
                    .Select(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 1 ? v : 0).ToArray();
                if (w.Length != 3 || w.Contains(0))
                    throw new ArgumentException($"--cnn-widths must be three positive integers (two convolutions' channels, then the hidden width), not '{widths}'.");
                return new NetworkChoice(FashionCnn.Describe(w[0], w[1], w[2]), seed => FashionCnn.Build(seed, w[0], w[1], w[2]));
            default: throw new ArgumentException($"--network must be mlp or cnn, not '{kind}'.");
        }
    }

    /// <summary>A run of each seed; <paramref name="Rate"/> is the constant rate or the schedule's peak of a baseline.</summary>
    private sealed record Candidate(string Rule, string Family, Func<ILearningRateTuner> Tuner, string? Direction = null, double Rate = double.NaN);

    private sealed record Row(string Direction, string Rule, string Family, long Seed, double FinalLoss, double MeanRate, double LateEdge, double LateSharpness, double Rate);

    public static int Run(Settings s, string[] directions, int seeds, double[] sigmas, double[]? grid, int every, NetworkChoice? network = null,
                          double[]? peakGrid = null)
    {
        string described = s.Describe(network: network?.Name, directions: directions, seeds: seeds);
        AnsiConsole.MarkupLine($"[bold]study[/]: {Markup.Escape(described)}");
        var rows = new List<Row>();
        var md = new StringBuilder();
        md.AppendLine(Invariant($"# study: {described}")).AppendLine();
        string mdPath = Path.Combine(s.OutputDirectory, "study.md"), csvPath = Path.Combine(s.OutputDirectory, "study.csv");
        // Written after every seed, so that a long study stopped part-way keeps the seeds it finished; each file is
        // written beside and then moved over the last, so that a stop during a write leaves the previous one whole.
        void Write(string current)
        {
            static void Replace(string path, IEnumerable<string> lines)
            {
                File.WriteAllLines(path + ".tmp", lines);
                File.Move(path + ".tmp", path, overwrite: true);
            }
            Replace(mdPath, new[] { md + current });
            Replace(csvPath, new[] { "direction,rule,seed,final_loss,mean_lr,late_edge,late_sharpness" }
                .Concat(rows.Select(r => Invariant($"{r.Direction},\"{r.Rule}\",{r.Seed},{r.FinalLoss:G6},{r.MeanRate:G6},{r.LateEdge:G4},{r.LateSharpness:G4}"))));
        }
        if (network is not null)
        {
            var probe = SampleData.Load(s.Dataset, s.Label, s.Seed, limit: s.Limit);
            if (probe.Features != FashionMnist.Pixels || probe.Outputs != 10)
                throw new ArgumentException($"--network cnn needs 28×28 images in 10 classes ({FashionMnist.Pixels} features, as --dataset fashion-mnist has); {s.Dataset} has {probe.Features} features and {probe.Outputs} outputs.");
        }
        foreach (var direction in directions)
        {
            string table = "";
            var rates = grid ?? DefaultGrid(direction);
            // A cosine schedule spends most steps below its peak: its grid goes past the constant one.
            var peaks = peakGrid ?? rates.Skip(rates.Length / 2).Concat(new[] { 1.5 * rates[^1], 2 * rates[^1], 3 * rates[^1] }).ToArray();
            int warmup = (int)Math.Max(1, s.Steps / 20);
            var candidates = rates.Select(lr => new Candidate(Invariant($"constant {lr:G3}"), "constant", () => new ConstantTuner(lr), Rate: lr))
                .Concat(peaks.Select(lr => new Candidate(Invariant($"warm-up + cosine, peak {lr:G3}"), "schedule",
                    () => new ScheduleTuner(lr, warmup, ScheduleShape.Cosine, (int)s.Steps), Rate: lr)))
                .Append(new Candidate("CDAT σ=1 (greedy)", "rule", () => CdatTuner.QuadraticallyGreedy()))
                .Concat(sigmas.Select(σ => new Candidate(Invariant($"CDAT σ={σ:G3}"), "rule", () => new CdatTuner(σ, beta: 0))))
                .Append(new Candidate("CDAT σ=1.9, EMA 0.9 (the trainer's full-batch default)", "rule", () => new CdatTuner(1.9, beta: 0.9)))
                .Append(new Candidate("CDAT σ=2, EMA 0.9", "rule", () => new CdatTuner(2, beta: 0.9)))
                .Append(new Candidate("Armijo (optax, cap 10)", "rule", () => ArmijoTuner.FromPreset(ArmijoPreset.Optax, maxLearningRate: 10)))
                .Append(new Candidate("Polyak SPS_max (cap 10)", "rule", () => new PolyakTuner(maxLearningRate: 10)))
                .Append(new Candidate("DoG", "rule", () => new DogTuner()))
                .ToList();
            if (direction == "adam")
            {
                candidates.Add(new Candidate("Prodigy (its own Adam, η = 1)", "rule", () => new ConstantTuner(1.0), "prodigy"));
                // Schedule-free AdamW at the authors' default η and three larger ones; judged at its average x.
                foreach (double eta in Experiment.ScheduleFreeRates)
                    candidates.Add(new Candidate(Invariant($"schedule-free AdamW, η = {eta:G3}{(eta == ScheduleFreeAdamWDirection.DefaultLearningRate ? " (default)" : "")}"), "rule",
                        () => new ConstantTuner(1.0), Invariant($"schedule-free@{eta}")));
            }

            for (int seed = 0; seed < seeds; seed++)
            {
                var at = s with { Seed = seed };
                var data = SampleData.Load(at.Dataset, at.Label, at.Seed, limit: at.Limit);
                var runs = Experiment.RunAll(candidates.Select(c => (Invariant($"{direction} seed {seed}: {c.Rule}"),
                    (Func<ProgressTask, TrainingResult>)(task => Experiment.Run(data, at, c.Tuner(), every, c.Direction ?? direction, task, build: network?.Build)))), at.Steps);
                for (int i = 0; i < candidates.Count; i++)
                {
                    var r = runs[i].Result;
                    rows.Add(new Row(direction, candidates[i].Rule, candidates[i].Family, seed, Experiment.FinalLoss(r),
                        r.Steps.Average(x => x.LearningRate), Experiment.LateEdge(r), Experiment.LateMedian(r, x => x.Sharpness), candidates[i].Rate));
                }
                table = Table(direction, rows.Where(r => r.Direction == direction).ToList(), rates, peaks);
                Write(Invariant($"(In progress: {direction}, seeds 0-{seed} of 0-{seeds - 1} so far.)\n\n") + table);
            }
            md.Append(table);
        }

        Write("");
        AnsiConsole.WriteLine(md.ToString());
        CommandRunner.Wrote(s.OutputDirectory, mdPath, csvPath);
        return 0;
    }

    private static string Table(string direction, List<Row> rows, double[] rates, double[] peaks)
    {
        var seeds = rows.Select(r => r.Seed).Distinct().Order().ToArray();
        // The tuned baselines, per seed: the best constant rate and the best schedule of the grid.
        var bestConstant = seeds.ToDictionary(k => k, k => rows.Where(r => r.Seed == k && r.Family == "constant").MinBy(r => r.FinalLoss)!);
        var bestSchedule = seeds.ToDictionary(k => k, k => rows.Where(r => r.Seed == k && r.Family == "schedule").MinBy(r => r.FinalLoss)!);
        var sb = new StringBuilder();
        sb.AppendLine(Invariant($"## {direction}")).AppendLine();
        static string List(IEnumerable<double> values) => string.Join(", ", values.Select(r => r.ToString("G3", CultureInfo.InvariantCulture)));
        // A grid of one or two values has no inside: only a grid of three or more can bracket its best.
        static bool AtEdge(IEnumerable<Row> best, double[] grid) => grid.Length >= 3 && best.Any(r => r.Rate == grid[0] || r.Rate == grid[^1]);
        sb.AppendLine(Invariant($"Best constant rate per seed: {List(seeds.Select(k => bestConstant[k].Rate))} (grid {List(rates)})."));
        if (AtEdge(bestConstant.Values, rates))
            sb.AppendLine("**The best constant rate is at an edge of the grid for some seed: widen --lr-grid.**");
        sb.AppendLine(Invariant($"Best warm-up + cosine peak per seed: {List(seeds.Select(k => bestSchedule[k].Rate))} (peaks {List(peaks)}; warm-up 5% of the steps)."));
        if (AtEdge(bestSchedule.Values, peaks))
            sb.AppendLine("**The best schedule peak is at an edge of its grid for some seed: widen --peak-grid.**");
        sb.AppendLine();
        sb.AppendLine("| rule | final loss, median [range] | ÷ best constant, median [range] | beats best constant (seeds) | beats best schedule (seeds) | mean lr | late edge |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        void Line(string name, Func<long, Row> pick)
        {
            var losses = seeds.Select(k => pick(k).FinalLoss).ToArray();
            var ratios = seeds.Select(k => pick(k).FinalLoss / bestConstant[k].FinalLoss).ToArray();
            int beatsConstant = seeds.Count(k => pick(k).FinalLoss < bestConstant[k].FinalLoss);
            int beatsSchedule = seeds.Count(k => pick(k).FinalLoss < bestSchedule[k].FinalLoss);
            sb.AppendLine(Invariant($"| {name} | {Cell(losses, "G3")} | {Cell(ratios, "F2")} | {beatsConstant}/{seeds.Length} | {beatsSchedule}/{seeds.Length} | {Stats.Median(seeds.Select(k => pick(k).MeanRate)):G3} | {Stats.Median(seeds.Select(k => pick(k).LateEdge)):F2} |"));
        }
        // A diverged run's final loss is +∞ (Experiment.FinalLoss), and so is its ratio; ∞/∞ (NaN) is a diverged run too.
        static string Cell(double[] values, string format) => values.All(x => !double.IsFinite(x)) ? "diverged on every seed"
            : Stats.MedianRangeOrDiverged(values, format, "diverged", singleAlone: false);
        Line("best constant (tuned per seed)", k => bestConstant[k]);
        Line("best warm-up + cosine (tuned per seed)", k => bestSchedule[k]);
        foreach (var rule in rows.Where(r => r.Family == "rule").Select(r => r.Rule).Distinct())
            Line(rule, k => rows.First(r => r.Seed == k && r.Rule == rule));
        sb.AppendLine();
        return sb.ToString();
    }
}
