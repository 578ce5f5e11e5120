using System.CommandLine;
using Cdat.ML.Samples.Cli;
using Cdat.ML.Samples.Datasets;
using Spectre.Console;

namespace Cdat.ML.Samples.Commands;

/// <summary>Fashion-MNIST with mini-batch CDAT beside ML.NET's LightGbm and SDCA.</summary>
internal static class FashionCommand
{
    public static Command Create()
    {
        var command = new Command("fashion", "Fashion-MNIST (Debian's dataset-fashion-mnist): an MLP with mini-batch CDAT beside ML.NET's LightGbm and SDCA.");
        CommandRunner.SetAction(command, _ =>
        {
            if (!FashionMnist.Available) throw new FileNotFoundException(FashionMnist.InstallHint);
            AnsiConsole.MarkupLine("[yellow]fashion: not implemented yet.[/]");
            return 1;
        });
        return command;
    }
}
