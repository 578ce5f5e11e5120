using System.CommandLine;
using Spectre.Console;

namespace Cdat.ML.Samples.Cli;

/// <summary>Runs a command body, turning bad arguments and missing data into a one-line message and exit code 2.</summary>
internal static class CommandRunner
{
    public static void SetAction(Command command, Func<ParseResult, int> body) => command.SetAction(result =>
    {
        try
        {
            return body(result);
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or InvalidDataException)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return 2;
        }
    });

    public static void Wrote(string outputDirectory, params string[] files)
    {
        AnsiConsole.MarkupLine($"Wrote to [bold]{Markup.Escape(outputDirectory)}[/]:");
        foreach (var f in files) AnsiConsole.WriteLine("  " + Path.GetFileName(f));
    }
}
