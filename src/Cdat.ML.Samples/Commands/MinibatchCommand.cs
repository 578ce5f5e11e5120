using System.CommandLine;
using System.Globalization;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Datasets;
using Cdat.ML.Samples.Output;
using Cdat.ML.Training;
using Cdat.ML.Tuners;
using Spectre.Console;

namespace Cdat.ML.Samples.Commands;

/// <summary>
/// Mini-batch CDAT: σ × batch size, with and without an EMA, beside a constant-rate baseline on the same batches (the best
/// rate of a grid per batch size and seed); final / initial loss, median over seeds, as tables and heat maps.
/// </summary>
internal static class MinibatchCommand
{
    public static Command Create()
    {
        var command = new Command("minibatch", "Mini-batch CDAT: a sigma × batch-size grid, with and without EMA, beside the best constant rate of a grid on the same batches; median over seeds.");
        var common = new CommonOptions(loss: "ce", hidden: "64,64", steps: 0);
        common.AddTo(command);
        var sigmas = new Option<string>("--sigmas") { Description = "CDAT scales", DefaultValueFactory = _ => "0.25,0.5,1,1.5,2,3,4,6,8" };
        var batches = new Option<string>("--batch-sizes") { Description = "Batch sizes", DefaultValueFactory = _ => "16,64,256" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per run (equal epochs for every batch size; with --equal-steps, the epochs of the smallest batch size)", DefaultValueFactory = _ => 8 };
        var equalSteps = new Option<bool>("--equal-steps") { Description = "Every batch size takes the steps of the smallest batch size's epochs (equal steps, not equal epochs)" };
        var beta = new Option<double>("--ema") { Description = "EMA factor of the smoothed runs", DefaultValueFactory = _ => 0.9 };
        var rates = new Option<string>("--lr-grid") { Description = "Constant rates of the baseline (same direction and batches)", DefaultValueFactory = _ => "0.05,0.1,0.2,0.5,1,2,4" };
        var seeds = new Option<int>("--seeds") { Description = "Seeds 0..N-1 (median and range)", DefaultValueFactory = _ => 1 };
        var sections = new Option<string>("--sections")
        {
            Description = "Which parts to run: cdat (σ × batch grid and the constant baseline), line-searches (Armijo, Polyak), lr-free (DoG, Prodigy, schedule-free AdamW beside tuned Adam)",
            DefaultValueFactory = _ => "cdat,line-searches,lr-free",
        };
        foreach (var o in new Option[] { sigmas, batches, epochs, equalSteps, beta, rates, seeds, sections }) command.Options.Add(o);
        CommandRunner.SetAction(command, result =>
        {
            var s = common.Read(result, "minibatch");
            if (result.GetValue(seeds) < 1) throw new ArgumentException("--seeds must be at least 1.");
            double[] Parse(Option<string> o) => CommonOptions.Numbers(o.Name, result.GetValue(o)!);
            var parts = result.GetValue(sections)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var unknown = parts.Except(new[] { "cdat", "line-searches", "lr-free" }).ToArray();
            if (unknown.Length > 0 || parts.Length == 0) throw new ArgumentException($"--sections: unknown part(s) {string.Join(", ", unknown)}; known: cdat, line-searches, lr-free.");
            return Run(s, Parse(sigmas), Parse(batches).Select(b => (int)b).ToArray(), new Budget(result.GetValue(epochs), result.GetValue(equalSteps)),
                       result.GetValue(beta), Parse(rates), result.GetValue(seeds), parts);
        });
        return command;
    }

    /// <summary>
    /// How long each run trains: <see cref="Epochs"/> epochs at every batch size, or, with <see cref="EqualSteps"/>, the
    /// steps those epochs take at the smallest batch size, for every batch size (batch size and step count unconfounded).
    /// </summary>
    public sealed record Budget(int Epochs, bool EqualSteps = false)
    {
        public int Steps(long rows, int batchSize, int[] batchSizes) => (int)(Epochs * (rows / (EqualSteps ? batchSizes.Min() : batchSize)));

        public string Describe(int[] batchSizes) =>
            EqualSteps ? $"equal steps for every batch size ({Epochs} epochs of batches of {batchSizes.Min()})" : $"{Epochs} epochs per run";
    }

    public static int Run(Settings s, double[] sigmas, int[] batchSizes, Budget budget, double ema, double[] rates, int seeds = 1, string[]? sections = null)
    {
        if (batchSizes.Length == 0 || batchSizes.Any(b => b < 1)) throw new ArgumentException("--batch-sizes must list positive batch sizes.");
        if (budget.Epochs < 1) throw new ArgumentException("--epochs must be at least 1.");
        sections ??= new[] { "cdat", "line-searches", "lr-free" };
        string described = s.Describe(budget.Describe(batchSizes), $"batches of {string.Join("/", batchSizes)}", seeds: seeds);
        AnsiConsole.MarkupLine($"[bold]minibatch[/]: {Markup.Escape(described)}, EMA β = {ema} for the smoothed runs");
        var files = new List<string>();
        var md = new System.Text.StringBuilder();
        md.AppendLine(FormattableString.Invariant($"# minibatch: {described}; final / initial loss, median [range]")).AppendLine();
        if (sections.Contains("cdat")) md.Append(CdatGrid(s, sigmas, batchSizes, budget, ema, rates, seeds, files));
        if (sections.Contains("line-searches")) md.Append(Compare(s, batchSizes, budget, seeds, "Armijo and Polyak across batch sizes", LineSearchRules));
        if (sections.Contains("lr-free")) md.Append(Compare(s, batchSizes, budget, seeds, "Learning-rate-free methods beside Adam at constant rates", LearningRateFreeRules));
        Directory.CreateDirectory(s.OutputDirectory);
        string mdPath = Path.Combine(s.OutputDirectory, "minibatch.md");
        File.WriteAllText(mdPath, md.ToString());
        AnsiConsole.WriteLine(md.ToString());
        files.Add(mdPath);
        CommandRunner.Wrote(s.OutputDirectory, files.Concat(sections.Contains("cdat") ? new[] { "(and one CSV per run of seed 0)" } : []).ToArray());
        return 0;
    }

    private static string CdatGrid(Settings s, double[] sigmas, int[] batchSizes, Budget budget, double ema, double[] rates, int seeds, List<string> files)
    {
        var betas = new[] { 0.0, ema };
        // ratio[seed][row, batch]: rows are (β, σ) pairs, then the constant rates.
        int cdatRows = betas.Length * sigmas.Length, allRows = cdatRows + rates.Length;
        var ratios = new double[seeds][,];
        for (int seed = 0; seed < seeds; seed++)
        {
            var at = s with { Seed = seed };
            var data = SampleData.Load(at.Dataset, at.Label, at.Seed, limit: at.Limit);
            long rows = data.TrainX.shape[0];
            var jobs = new List<(string, Func<ProgressTask, TrainingResult>)>();
            foreach (var beta in betas)
                foreach (var sigma in sigmas)
                    foreach (var b in batchSizes)
                        jobs.Add((FormattableString.Invariant($"seed {seed} β={beta} σ={sigma} B={b}"), task => Experiment.Run(data, at, new CdatTuner(sigma, beta), 0, progress: task, batchSize: b, steps: budget.Steps(rows, b, batchSizes))));
            foreach (var lr in rates)
                foreach (var b in batchSizes)
                    jobs.Add((FormattableString.Invariant($"seed {seed} constant {lr} B={b}"), task => Experiment.Run(data, at, new ConstantTuner(lr), 0, progress: task, batchSize: b, steps: budget.Steps(rows, b, batchSizes))));
            var results = Experiment.RunAll(jobs, 1);
            var ratio = new double[allRows, batchSizes.Length];
            int k = 0;
            for (int i = 0; i < allRows; i++)
                for (int j = 0; j < batchSizes.Length; j++)
                {
                    var r = results[k++].Result;
                    ratio[i, j] = LossRatio(r, rows, batchSizes[j]);
                    if (seed == 0)
                    {
                        string name = i < cdatRows ? FormattableString.Invariant($"beta{betas[i / sigmas.Length]}-sigma{sigmas[i % sigmas.Length]}") : FormattableString.Invariant($"constant{rates[i - cdatRows]}");
                        StepCsv.Write(Path.Combine(s.OutputDirectory, FormattableString.Invariant($"{name}-b{batchSizes[j]}.csv")), r.Steps);
                    }
                }
            ratios[seed] = ratio;
        }

        string Cell(int i, int j) => RatioCell(Enumerable.Range(0, seeds).Select(k => ratios[k][i, j]));
        var md = new System.Text.StringBuilder();
        for (int bi = 0; bi < betas.Length; bi++)
        {
            var median = new double[sigmas.Length, batchSizes.Length];
            var table = new Table().Title($"final / initial loss, EMA β = {betas[bi]} (median over seeds)").AddColumn("σ \\ batch");
            foreach (var b in batchSizes) table.AddColumn(b.ToString(CultureInfo.InvariantCulture));
            md.AppendLine(FormattableString.Invariant($"## CDAT, EMA β = {betas[bi]}")).AppendLine();
            md.AppendLine("| σ \\ batch | " + string.Join(" | ", batchSizes) + " |").AppendLine("|---|" + string.Concat(batchSizes.Select(_ => "---|")));
            for (int i = 0; i < sigmas.Length; i++)
            {
                int row = bi * sigmas.Length + i;
                for (int j = 0; j < batchSizes.Length; j++) median[i, j] = Stats.Median(Enumerable.Range(0, seeds).Select(k => ratios[k][row, j]));
                var cells = Enumerable.Range(0, batchSizes.Length).Select(j => Cell(row, j)).ToArray();
                table.AddRow(new[] { sigmas[i].ToString(CultureInfo.InvariantCulture) }.Concat(cells.Select(Markup.Escape)).ToArray());
                md.AppendLine($"| {sigmas[i].ToString(CultureInfo.InvariantCulture)} | {string.Join(" | ", cells)} |");
            }
            AnsiConsole.Write(table);
            var bestSigma = Enumerable.Range(0, batchSizes.Length).Select(j => sigmas[Enumerable.Range(0, sigmas.Length).OrderBy(i => median[i, j]).First()]).ToArray();
            string bestLine = $"best σ per batch size ({string.Join(", ", batchSizes)}): {string.Join(", ", bestSigma)}";
            AnsiConsole.MarkupLine(bestLine);
            md.AppendLine().AppendLine(bestLine + (bestSigma.Any(x => x == sigmas[0] || x == sigmas[^1]) ? " (**at an edge of the σ grid**)" : "")).AppendLine();
            files.Add(Charts.Heatmap(Path.Combine(s.OutputDirectory, FormattableString.Invariant($"heatmap-beta{betas[bi]}.png")),
                $"CDAT, EMA β = {betas[bi]}: log10 final / initial loss", median, sigmas.Select(x => x.ToString(CultureInfo.InvariantCulture)).ToArray(),
                batchSizes.Select(x => x.ToString(CultureInfo.InvariantCulture)).ToArray(), "sigma", "batch size"));
        }
        md.AppendLine("## Constant rate on the same batches").AppendLine();
        md.AppendLine("| lr \\ batch | " + string.Join(" | ", batchSizes) + " |").AppendLine("|---|" + string.Concat(batchSizes.Select(_ => "---|")));
        for (int i = 0; i < rates.Length; i++)
            md.AppendLine($"| {rates[i].ToString(CultureInfo.InvariantCulture)} | {string.Join(" | ", Enumerable.Range(0, batchSizes.Length).Select(j => Cell(cdatRows + i, j)))} |");
        // The baseline is only as tuned as its grid: say where its best rate (median over seeds) sits at an end.
        var bestRate = Enumerable.Range(0, batchSizes.Length)
            .Select(j => rates[Enumerable.Range(0, rates.Length).OrderBy(i => Stats.Median(Enumerable.Range(0, seeds).Select(k => ratios[k][cdatRows + i, j]))).First()]).ToArray();
        string rateLine = $"best constant rate per batch size ({string.Join(", ", batchSizes)}): {string.Join(", ", bestRate)}";
        AnsiConsole.MarkupLine(Markup.Escape(rateLine));
        md.AppendLine().AppendLine(rateLine + (bestRate.Any(x => x == rates.Min() || x == rates.Max()) ? " (**at an edge of the rate grid**)" : ""));
        // The tuned baseline per seed and batch size against the best CDAT cell of each EMA setting.
        md.AppendLine().AppendLine("| per batch size, median [range] over seeds | " + string.Join(" | ", batchSizes) + " |").AppendLine("|---|" + string.Concat(batchSizes.Select(_ => "---|")));
        string Best(int from, int count, int j) =>
            Stats.MedianRange(Enumerable.Range(0, seeds).Select(k => Enumerable.Range(from, count).Min(i => ratios[k][i, j])), "G3");
        md.AppendLine($"| best constant rate (per seed) | {string.Join(" | ", Enumerable.Range(0, batchSizes.Length).Select(j => Best(cdatRows, rates.Length, j)))} |");
        for (int bi = 0; bi < betas.Length; bi++)
            md.AppendLine($"| best CDAT σ, β = {betas[bi].ToString(CultureInfo.InvariantCulture)} (per seed) | {string.Join(" | ", Enumerable.Range(0, batchSizes.Length).Select(j => Best(bi * sigmas.Length, sigmas.Length, j)))} |");
        md.AppendLine();
        return md.ToString();
    }

    /// <summary>Final / initial loss of a diverged run: large enough to lose every comparison, finite for the medians.</summary>
    private const double Diverged = 1e3;

    /// <summary>Final loss over the mean loss of the first epoch; <see cref="Diverged"/> when not finite.</summary>
    private static double LossRatio(TrainingResult r, long rows, int batchSize)
    {
        double ratio = Experiment.FinalLoss(r) / r.Steps.Take(Math.Max(1, (int)(rows / batchSize))).Average(x => x.Loss);
        return double.IsFinite(ratio) ? ratio : Diverged;
    }

    /// <summary>"median [range]" of final / initial losses, with diverged runs shown as "div.".</summary>
    private static string RatioCell(IEnumerable<double> ratios) =>
        Stats.MedianRangeOrDiverged(ratios.Select(x => x >= Diverged ? double.PositiveInfinity : x), "G3", "div.");

    private sealed record Rule(string Name, Func<ILearningRateTuner> Make, string? Direction = null);

    /// <summary>Paper 2's stochastic finding: Armijo and Polyak across batch sizes.</summary>
    private static readonly Rule[] LineSearchRules =
    {
        new("Armijo (optax, cap 10)", () => ArmijoTuner.FromPreset(ArmijoPreset.Optax, maxLearningRate: 10)),
        new("Polyak SPS_max (cap 10)", () => new PolyakTuner(maxLearningRate: 10)),
    };

    /// <summary>What a user might pick instead of CDAT, beside Adam at a small constant grid (its best is the tuned baseline).</summary>
    private static readonly Rule[] LearningRateFreeRules =
    {
        new("DoG (GD)", () => new DogTuner(), "gd"),
        new("Prodigy (η = 1)", () => new ConstantTuner(1), "prodigy"),
        new("schedule-free AdamW (η = 0.0025, default)", () => new ConstantTuner(1), "schedule-free"),
        // η tuned like Adam's rate; the full-batch study found the best near 0.03.
        new("schedule-free AdamW (η = 0.01)", () => new ConstantTuner(1), "schedule-free@0.01"),
        new("schedule-free AdamW (η = 0.03)", () => new ConstantTuner(1), "schedule-free@0.03"),
        new("CDAT σ = 1, EMA 0.9, Adam", () => new CdatTuner(1, 0.9), "adam"),
        new("Adam, constant 0.001", () => new ConstantTuner(0.001), "adam"),
        new("Adam, constant 0.003", () => new ConstantTuner(0.003), "adam"),
        new("Adam, constant 0.01", () => new ConstantTuner(0.01), "adam"),
        new("Adam, constant 0.03", () => new ConstantTuner(0.03), "adam"),
        new("Adam, constant 0.1", () => new ConstantTuner(0.1), "adam"),
    };

    /// <summary>
    /// Rules across batch sizes, with the edge (lr·λmax/2) and the sharpness measured on a fixed subset 40 times per run;
    /// median [range] over seeds.
    /// </summary>
    private static string Compare(Settings s, int[] batchSizes, Budget budget, int seeds, string title, Rule[] rules)
    {
        var cells = new Dictionary<(int Rule, int Batch), List<(double Ratio, double Edge, double Sharpness, double Rate)>>();
        for (int seed = 0; seed < seeds; seed++)
        {
            var at = s with { Seed = seed };
            var data = SampleData.Load(at.Dataset, at.Label, at.Seed, limit: at.Limit);
            long rows = data.TrainX.shape[0];
            var jobs = new List<(string, Func<ProgressTask, TrainingResult>)>();
            foreach (var rule in rules)
                foreach (var b in batchSizes)
                {
                    int steps = budget.Steps(rows, b, batchSizes);
                    jobs.Add(($"seed {seed} {rule.Name} B={b}", task => Experiment.Run(data, at, rule.Make(), Math.Max(1, steps / 40), rule.Direction, progress: task, batchSize: b, steps: steps)));
                }
            var results = Experiment.RunAll(jobs, 1);
            int k = 0;
            for (int i = 0; i < rules.Length; i++)
                for (int j = 0; j < batchSizes.Length; j++)
                {
                    var r = results[k++].Result;
                    if (!cells.TryGetValue((i, j), out var list)) cells[(i, j)] = list = new();
                    list.Add((LossRatio(r, rows, batchSizes[j]), Experiment.LateEdge(r), Experiment.LateMedian(r, x => x.Sharpness), r.Steps.Average(x => x.LearningRate)));
                }
        }
        var md = new System.Text.StringBuilder();
        md.AppendLine($"## {title} (edge and sharpness over the last 30% of steps)").AppendLine();
        md.AppendLine("| rule | batch | final / initial loss | mean lr | late edge lr·λ/2 | late sharpness |").AppendLine("|---|---|---|---|---|---|");
        static string F(IEnumerable<double> values, string format) => Stats.MedianRange(values, format);
        for (int i = 0; i < rules.Length; i++)
            for (int j = 0; j < batchSizes.Length; j++)
            {
                var c = cells[(i, j)];
                md.AppendLine($"| {rules[i].Name} | {batchSizes[j]} | {RatioCell(c.Select(x => x.Ratio))} | {F(c.Select(x => x.Rate), "G3")} | {F(c.Select(x => x.Edge), "F2")} | {F(c.Select(x => x.Sharpness), "G3")} |");
            }
        return md.ToString();
    }
}
