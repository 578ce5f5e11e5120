using System.Reflection;
using Cdat.ML.Tests.Tuners;
using Cdat.ML.Tuners;

namespace Cdat.ML.Tests;

/// <summary>
/// The public surface stays explained: every public type is in NuGet.md's "Public types" table, and adding a rule is a
/// checklist (documented in NuGet.md, its tuner or direction in the conformance tests).
/// </summary>
[TestClass]
public sealed class PublicSurfaceTests
{
    private static readonly string NuGet = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "NuGet.md"));

    private static IEnumerable<Type> PublicTypes() => typeof(CdatTrainer).Assembly.GetExportedTypes();

    /// <summary>A type as NuGet.md writes it: its name, nested types with their parent's.</summary>
    private static string Written(Type type) => type.DeclaringType is { } outer ? $"{Written(outer)}.{type.Name}" : type.Name;

    [TestMethod]
    public void EveryPublicTypeIsInNuGetsPublicTypesTable()
    {
        string table = NuGet[NuGet.IndexOf("## Public types", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        var types = PublicTypes().ToArray();
        var missing = types.Where(t => !table.Contains($"`{Written(t)}`", StringComparison.Ordinal)).Select(Written).ToArray();
        Assert.IsEmpty(missing, $"public but not in NuGet.md's table: {string.Join(", ", missing)}");
        // The table's count is the assembly's.
        StringAssert.Contains(table, $"one of these {types.Length}");
    }

    [TestMethod]
    public void EveryRuleIsDocumentedAndItsTunerOrDirectionIsInTheConformanceTests()
    {
        var tuners = TunerConformanceTests.Tuners().Select(row => ((Func<ILearningRateTuner>)row[1])().GetType()).ToHashSet();
        var directions = TunerConformanceTests.Directions().Select(row => ((Func<Cdat.ML.Directions.IDirection>)row[1])().GetType()).ToHashSet();
        var rules = PublicTypes().Where(t => !t.IsAbstract && (t.IsSubclassOf(typeof(LearningRateRule)) || t.IsSubclassOf(typeof(DirectionRule)))).ToArray();
        Assert.IsTrue(rules.Length >= 13, $"{rules.Length} rules found");
        foreach (var rule in rules)
        {
            Assert.IsTrue(NuGet.Contains($"`{rule.Name}`", StringComparison.Ordinal), $"{rule.Name} is not in NuGet.md");
            if (rule == typeof(CustomRule)) continue;   // the user's own tuner
            if (rule.IsSubclassOf(typeof(DirectionRule)))
            {
                using var direction = ((DirectionRule)Activator.CreateInstance(rule)!).Create();
                Assert.IsTrue(directions.Contains(direction.GetType()), $"{rule.Name} creates {direction.GetType().Name}, which the conformance tests do not run");
                continue;
            }
            var instance = rule == typeof(ConstantRule) ? new ConstantRule(0.1) : (LearningRateRule)Activator.CreateInstance(rule)!;
            var tuner = instance.Create(new RuleContext(1.0, 100, nameof(CdatTrainer.Options.MaxSteps)));
            Assert.IsTrue(tuners.Contains(tuner.GetType()), $"{rule.Name} creates {tuner.GetType().Name}, which the conformance tests do not run");
        }
    }
}
