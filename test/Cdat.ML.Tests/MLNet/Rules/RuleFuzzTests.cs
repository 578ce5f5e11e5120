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
            // The exception's ParamName is the setting, with its rule: "ConstantRule.LearningRate" (options: "WeightDecay").
            string setting = outcome["rejected ".Length..outcome.IndexOf(':')];
            Assert.AreEqual(Setting(name), setting, $"the rejection must name the setting: {name}: {outcome}");
            rejected++;
        }
        TestContext.WriteLine($"{trained} trained to finite weights, {rejected} rejected by name");
        // Every NaN, and in float32 every number beyond float's range, is refused: only a custom tuner's rate (its step is
        // skipped) and schedule-free AdamW's decay (which enters as η·λ, in range) may take them.
        bool MayTake(string name) => name.StartsWith("CustomRule", StringComparison.Ordinal) || name.StartsWith("ScheduleFreeAdamWRule.WeightDecay", StringComparison.Ordinal);
        foreach (var (name, outcome) in cases.Where(c => !MayTake(c.Case)))
        {
            bool nan = name.Contains("= NaN", StringComparison.Ordinal);
            bool beyondFloat = name.Contains("(float32", StringComparison.Ordinal)
                && new[] { "= 3.5E+38", "= 1E+300", "= 1.7976931348623157E+308", "= Infinity" }.Any(v => name.Contains(v, StringComparison.Ordinal));
            if (nan || beyondFloat) StringAssert.StartsWith(outcome, "rejected", $"{name}: {outcome}");
        }
    }

    /// <summary>The setting a case drives: "PolyakRule.MaxLearningRate, C 1e-300 = 1E+38 (…)" → "PolyakRule.MaxLearningRate"; "Options.X" → "X".</summary>
    private static string Setting(string name)
    {
        string setting = name[..name.IndexOf(" = ", StringComparison.Ordinal)].Split(',')[0];
        return setting.StartsWith("Options.", StringComparison.Ordinal) ? setting["Options.".Length..] : setting;
    }
}
