using System.CommandLine;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Output;
using Spectre.Console;

namespace Cdat.ML.Samples.Commands;

/// <summary>
/// The simplified joint dynamics of learning rate and sharpness (after Damian et al.'s self-stabilisation model, with
/// a varying learning rate): x is the displacement along the top eigenvector, λ the sharpness, η the learning rate and
/// y = ηλ − 2 the normalised centred sharpness (0 = edge of stability). A gradient component γ⊥ along a second
/// direction of curvature κ = ρλ (the bulk of the spectrum, just below the top) lets the curvature-aware rules see
/// more than the top direction. x never falls below a tiny floor: in a network the top direction always receives some
/// gradient from the rest of the dynamics, and without it x would underflow and never return.
/// </summary>
internal static class ModelCommand
{
    public sealed record Trajectory(string Name, double[] Y, double[] Lambda, double[] Eta);

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

    /// <summary>Simulates one rule. <paramref name="sigma"/> null: constant η = <paramref name="eta0"/>.</summary>
    public static Trajectory Simulate(string name, double? sigma, int steps, double eta0 = 0.5, double a = 1e-2, double b = 1, double lambda0 = 1,
                                      double x0 = 1e-3, double gamma = 0.1, double rho = 0.9, double floor = 1e-9)
    {
        double x = x0, lambda = lambda0;
        var y = new double[steps];
        var lam = new double[steps];
        var eta = new double[steps];
        for (int t = 0; t < steps; t++)
        {
            // CDAT on g = (λx, γ⊥), H = diag(λ, κ): η = σ·gᵀg / gᵀHg.
            double kappa = rho * lambda;
            double e = sigma is double s ? s * (lambda * lambda * x * x + gamma * gamma) / (lambda * lambda * lambda * x * x + kappa * gamma * gamma) : eta0;
            y[t] = e * lambda - 2;
            lam[t] = lambda;
            eta[t] = e;
            double xNext = (1 - e * lambda) * x;
            lambda += e * (a - b * x * x);
            x = Math.Abs(xNext) < floor ? (xNext < 0 ? -floor : floor) : xNext;
        }
        return new Trajectory(name, y, lam, eta);
    }

    public static IReadOnlyList<Trajectory> All(int steps) => new[]
    {
        Simulate("constant η=0.5", null, steps),
        Simulate("greedy (σ=1)", 1.0, steps),
        Simulate("CDAT σ=1.9", 1.9, steps),
        Simulate("CDAT σ=2", 2.0, steps),
    };

    private static int Run(int steps, string dir)
    {
        var runs = All(steps);
        var table = new Table().AddColumns("rule", "mean y (last 20%)", "λ at 80%", "λ at end", "λ drift (last 20%)", "η at end");
        int from = steps * 4 / 5;
        foreach (var r in runs)
            table.AddRow(Markup.Escape(r.Name), $"{r.Y[from..].Average():F4}", $"{r.Lambda[from]:G4}", $"{r.Lambda[^1]:G4}",
                         $"{(r.Lambda[^1] - r.Lambda[from]) / r.Lambda[from]:P1}", $"{r.Eta[^1]:G4}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]y = ηλ − 2: 0 is the edge of stability. Parameters: a = 1e-2, b = 1, λ0 = 1, x0 = 1e-3, γ⊥ = 0.1, κ = 0.9λ.[/]");
        double[] steps1 = Enumerable.Range(0, steps).Select(i => (double)i).ToArray();
        var files = new[]
        {
            Charts.Lines(Path.Combine(dir, "model-y.png"), "Normalised centred sharpness y = ηλ − 2", "step", "y", runs.Select(r => new Charts.Series(r.Name, steps1, r.Y)), horizontal: new[] { ("edge", 0.0) }),
            Charts.Lines(Path.Combine(dir, "model-sharpness.png"), "Sharpness λ", "step", "λ", runs.Select(r => new Charts.Series(r.Name, steps1, r.Lambda))),
            Charts.Lines(Path.Combine(dir, "model-lr.png"), "Learning rate η", "step", "η", runs.Select(r => new Charts.Series(r.Name, steps1, r.Eta)), logY: true),
        };
        using (var w = new StreamWriter(Path.Combine(dir, "model.csv")))
        {
            w.WriteLine("step," + string.Join(",", runs.SelectMany(r => new[] { $"{DefaultRun.Slug(r.Name)}_y", $"{DefaultRun.Slug(r.Name)}_lambda", $"{DefaultRun.Slug(r.Name)}_eta" })));
            for (int t = 0; t < steps; t++)
                w.WriteLine(t + "," + string.Join(",", runs.SelectMany(r => new[] { r.Y[t], r.Lambda[t], r.Eta[t] }).Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture))));
        }
        CommandRunner.Wrote(dir, files.Append(Path.Combine(dir, "model.csv")).ToArray());
        return 0;
    }
}
