// Cdat.ML samples: what curvature-aware learning-rate tuning does, and the papers' findings checked on real data.
// Run without arguments for the default tour; `--help` lists the commands.
using System.CommandLine;
using Cdat.ML.Samples.Commands;
using Cdat.ML.Training;

// Before any tensor operation, so that libtorch's worker threads inherit it: denormal numbers, which training breeds,
// otherwise double a CPU step's time (docs/REPRODUCTION.md, Fashion-MNIST).
Denormals.FlushToZero();
// Logs and CI capture the output: tables keep their full headers there instead of being cut to 80 columns.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 240;

var root = new RootCommand("Curvature-aware learning-rate tuning (CDAT, Armijo, Polyak) on real data, with plots and per-step CSV files.");
DefaultRun.Configure(root);
root.Subcommands.Add(EosCommand.Create());
root.Subcommands.Add(TunersCommand.Create());
root.Subcommands.Add(StudyCommand.Create());
root.Subcommands.Add(MinibatchCommand.Create());
root.Subcommands.Add(ModelCommand.Create());
root.Subcommands.Add(FashionCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(SuiteCommand.Create());
root.Subcommands.Add(FitTimeCommand.Create());
root.Subcommands.Add(MetaCommand.Create());
root.Subcommands.Add(SelectCommand.Create());
root.Subcommands.Add(RegimeCommand.Create());
return root.Parse(args).Invoke();
