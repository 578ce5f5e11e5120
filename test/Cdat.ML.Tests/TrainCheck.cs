using System.Diagnostics;

namespace Cdat.ML.Tests;

/// <summary>Runs Cdat.ML.TrainCheck (built beside the tests) in a child process, for checks that a process must survive or repeat.</summary>
internal static class TrainCheck
{
    /// <summary>The exit code and the output of <c>Cdat.ML.TrainCheck <paramref name="arguments"/></c>.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] arguments)
    {
        string dir = Path.GetDirectoryName(typeof(TrainCheck).Assembly.Location)!;
        string config = new DirectoryInfo(dir).Parent!.Name;
        string check = Path.GetFullPath(Path.Combine(dir, "..", "..", "..", "..", "Cdat.ML.TrainCheck", "bin", config, "net10.0", "Cdat.ML.TrainCheck.dll"));
        Assert.IsTrue(File.Exists(check), check);
        var start = new ProcessStartInfo("dotnet", new[] { check }.Concat(arguments)) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        // Both pipes drained at once: no deadlock on a full buffer.
        var stderr = process.StandardError.ReadToEndAsync();
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        // A hung child must not hang the suite: every use finishes in well under a minute on an idle machine.
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"Cdat.ML.TrainCheck {string.Join(' ', arguments)} did not finish in 10 minutes.");
        }
        return (process.ExitCode, stdoutTask.Result, stderr.Result);
    }
}
