namespace Cdat.ML.Tests.MLNet.Rules;

[TestClass]
public sealed class RuleFuzzTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ExtremeNumbersInEveryRuleAndOptionAreRejectedByNameOrTrainToFiniteWeightsWithoutKillingTheProcess()
    {
        // 24 settings × 15 values (±0, denormals, 1e±38, 3.5e38, 1e±300, NaN, ±∞, −1, the largest double) × 2 precisions,
        // 12 steps each, in a child process, since libtorch aborts the process on some errors.
        var (exitCode, stdout, stderr) = TrainCheck.Run("fuzz", Datasets.PathOf("digits.csv"));
        Assert.AreEqual(0, exitCode, $"the process died; its last case:\n{stdout.Split('\n').LastOrDefault(l => l.StartsWith("case ", StringComparison.Ordinal))}\n{stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual("done", lines[^1].Trim());
        var cases = lines.Select((line, i) => (line, i)).Where(x => x.line.StartsWith("case ", StringComparison.Ordinal))
            .Select(x => (Case: x.line[5..], Outcome: lines[x.i + 1].Trim())).ToList();
        Assert.AreEqual(24 * 15 * 2, cases.Count);
        int rejected = 0, trained = 0;
        foreach (var (name, outcome) in cases)
        {
            if (outcome.StartsWith("trained", StringComparison.Ordinal)) { trained++; continue; }
            Assert.IsTrue(outcome.StartsWith("rejected ", StringComparison.Ordinal), $"{name}: {outcome}");
            string setting = outcome["rejected ".Length..outcome.IndexOf(':')];
            StringAssert.Contains(name, setting, $"the rejection must name the setting: {name}: {outcome}");
            rejected++;
        }
        TestContext.WriteLine($"{trained} trained to finite weights, {rejected} rejected by name");
        // Every NaN and every negative value of a setting that must be positive is refused.
        Assert.IsTrue(cases.Where(c => c.Case.Contains("= NaN", StringComparison.Ordinal) && !c.Case.StartsWith("CustomRule", StringComparison.Ordinal))
            .All(c => c.Outcome.StartsWith("rejected", StringComparison.Ordinal)));
    }
}
