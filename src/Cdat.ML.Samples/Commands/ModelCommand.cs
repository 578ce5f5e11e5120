using System.CommandLine;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Output;
using Spectre.Console;

namespace Cdat.ML.Samples.Commands;

/// <summary>
/// The simplified joint dynamics of learning rate and sharpness, as in the literature it builds on (Damian et al.'s
/// self-stabilisation, with the learning rate left free): x is the displacement along the top eigenvector, λ the
/// sharpness, <c>x ← (1 − ηλ)·x</c>, <c>λ ← λ + η·(a − b·x²)</c>, and y = ηλ − 2 (0 = edge of stability). Along the top
/// eigenvector CDAT's rate is σ·(λ²x²)/(λ³x²) = σ/λ; measured at the current point that gives ηλ = σ exactly, a marginal
/// fixed point at σ = 2. The rules here take the curvature from the previous step (one step of lag, as a network's
/// curvature lags its sharpness) or from CDAT's moving averages of numerator and denominator. Nothing else is added.
/// </summary>
internal static class ModelCommand
{
    public sealed record Trajectory(string Name, double[] Y, double[] Lambda, double[] Eta)
    {
        /// <summary>The step at which λ left the positive finite numbers (the model blew up), or null.</summary>
        public int? DivergedAt { get; init; }
    }

    /// <summary>How a rule sets η: a constant, CDAT on the previous step's curvature, or CDAT with moving averages.</summary>
    public sealed record Rule(string Name, double? ConstantRate = null, double Sigma = 0, double? EmaBeta = null);

    public static Command Create()
    {
        var command = new Command("model", "The simplified learning-rate / sharpness dynamics for constant, greedy and CDAT rules, plotted.");
        var steps = new Option<int>("--steps") { Description = "Iterations", DefaultValueFactory = _ => 10_000 };
        var output = new Option<string?>("--out") { Description = "Output folder (default: out/model-<time>)" };
        command.Options.Add(steps);
        command.Options.Add(output);
        CommandRunner.SetAction(command, result =>
        {
            string dir = Path.GetFullPath(result.GetValue(output) ?? Path.Combine("out", $"model-{DateTime.Now:yyyyMMdd-HHmmss}"));
            Directory.CreateDirectory(dir);
            return Run(result.GetValue(steps), dir);
        });
        return command;
    }

    /// <summary>Simulates one rule from (x0, λ0).</summary>
    public static Trajectory Simulate(Rule rule, int steps, double a = 1e-2, double b = 1, double lambda0 = 1, double x0 = 1e-3)
    {
        // x is kept as sign and log|x|: on its way to 2/η a rule passes ηλ ≈ 1, where x is multiplied by almost 0, and a
        // plain double would underflow to an exact 0 from which x could never grow back (it does in exact arithmetic).
        // A factor of exactly 0 makes log|x| = −∞: x is then 0 and stays 0, as in exact arithmetic.
        double logX = Math.Log(Math.Abs(x0)), lambda = lambda0, previousLambda = lambda0, numerator = 0, denominator = 0;
        var y = new double[steps];
        var lam = new double[steps];
        var eta = new double[steps];
        for (int t = 0; t < steps; t++)
        {
            double x2 = Math.Exp(2 * logX), e;
            if (rule.ConstantRate is double c) e = c;
            else if (rule.EmaBeta is double beta)
            {
                // CDAT's EMA of n = −gᵀu = λ²x² and d = uᵀHu = λ³x², with u = −g = −λx.
                numerator = beta * numerator + (1 - beta) * lambda * lambda * x2;
                denominator = beta * denominator + (1 - beta) * lambda * lambda * lambda * x2;
                e = denominator > 0 ? rule.Sigma * numerator / denominator : rule.Sigma / lambda;
            }
            else e = rule.Sigma / previousLambda;
            y[t] = e * lambda - 2;
            lam[t] = lambda;
            eta[t] = e;
            previousLambda = lambda;
            double factor = 1 - e * lambda;
            logX += Math.Log(Math.Abs(factor));
            lambda += e * (a - b * x2);
            if (!(double.IsFinite(lambda) && lambda > 0) || double.IsNaN(logX) || double.IsPositiveInfinity(logX))
                return new Trajectory(rule.Name, y[..(t + 1)], lam[..(t + 1)], eta[..(t + 1)]) { DivergedAt = t + 1 };
        }
        return new Trajectory(rule.Name, y, lam, eta);
    }

    public static IReadOnlyList<Rule> Rules { get; } = new Rule[]
    {
        new("constant η=0.5", ConstantRate: 0.5),
        new("greedy (σ=1), previous curvature", Sigma: 1),
        new("CDAT σ=1.9, previous curvature", Sigma: 1.9),
        new("CDAT σ=2, previous curvature", Sigma: 2),
        new("CDAT σ=1.9, EMA 0.9", Sigma: 1.9, EmaBeta: 0.9),
        new("CDAT σ=2, EMA 0.9", Sigma: 2, EmaBeta: 0.9),
    };

    private static int Run(int steps, string dir)
    {
        var runs = Rules.Select(r => Simulate(r, steps)).ToArray();
        // The same rules from x0·(1 + 1e-12): a regime is only shown if it survives a perturbation this small.
        var perturbed = Rules.Select(r => Simulate(r, steps, x0: 1e-3 * (1 + 1e-12))).ToArray();
        var table = new Table().AddColumns("rule", "mean y (last 20%)", "λ at 80%", "λ at end", "λ drift (last 20%)", "η at end", "λ at end from x0·(1+1e-12)");
        int from = steps * 4 / 5;
        for (int i = 0; i < runs.Length; i++)
        {
            var r = runs[i];
            if (r.DivergedAt is int at)
            {
                table.AddRow(Markup.Escape(r.Name), $"diverged at step {at}", $"λ peaked at {r.Lambda.Max():G4} (2/η = {2 / r.Eta[0]:G3})", "-", "-", $"{r.Eta[^1]:G4}",
                             perturbed[i].DivergedAt is int p ? $"diverged at step {p}" : $"{perturbed[i].Lambda[^1]:G4}");
                continue;
            }
            table.AddRow(Markup.Escape(r.Name), $"{r.Y[from..].Average():F4}", $"{r.Lambda[from]:G4}", $"{r.Lambda[^1]:G4}",
                         $"{(r.Lambda[^1] - r.Lambda[from]) / r.Lambda[from]:P1}", $"{r.Eta[^1]:G4}", $"{perturbed[i].Lambda[^1]:G4}");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]x ← (1 − ηλ)x, λ ← λ + η(a − bx²), y = ηλ − 2 (0 is the edge of stability); a = 1e-2, b = 1, λ0 = 1, x0 = 1e-3.[/]");
        
        var files = new[]
        {
            Charts.Lines(Path.Combine(dir, "model-y.png"), "Normalised centred sharpness y = ηλ − 2", "step", "y", runs.Select(r => new Charts.Series(r.Name, Steps(r.Y.Length), r.Y)), horizontal: new[] { ("edge", 0.0) }),
            Charts.Lines(Path.Combine(dir, "model-sharpness.png"), "Sharpness λ", "step", "λ", runs.Select(r => new Charts.Series(r.Name, Steps(r.Lambda.Length), r.Lambda))),
            Charts.Lines(Path.Combine(dir, "model-lr.png"), "Learning rate η", "step", "η", runs.Select(r => new Charts.Series(r.Name, Steps(r.Eta.Length), r.Eta)), logY: true),
        };
        using (var w = new StreamWriter(Path.Combine(dir, "model.csv")))
        {
            w.WriteLine("step," + string.Join(",", runs.SelectMany(r => new[] { $"{DefaultRun.Slug(r.Name)}_y", $"{DefaultRun.Slug(r.Name)}_lambda", $"{DefaultRun.Slug(r.Name)}_eta" })));
            for (int t = 0; t < steps; t++)
                w.WriteLine(t + "," + string.Join(",", runs.SelectMany(r => t < r.Y.Length ? new[] { r.Y[t], r.Lambda[t], r.Eta[t] } : new[] { double.NaN, double.NaN, double.NaN })
                    .Select(v => double.IsNaN(v) ? "" : v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture))));
        }
        CommandRunner.Wrote(dir, files.Append(Path.Combine(dir, "model.csv")).ToArray());
        return 0;
    }

    private static double[] Steps(int count) => Enumerable.Range(0, count).Select(i => (double)i).ToArray();
}
