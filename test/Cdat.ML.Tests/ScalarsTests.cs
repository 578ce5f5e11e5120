using System.Text.RegularExpressions;
using TorchSharp;

namespace Cdat.ML.Tests;

/// <summary>
/// TorchSharp's one-operand overloads (<c>a.add_(b)</c>, <c>torch.arange(n)</c>) create an implicit scalar that the
/// garbage collector may finalize while libtorch reads it; a suite run died of it ("Expected false to be true … from
/// toFloat"). The race cannot be provoked on demand, so the library's source is held to the rule instead.
/// </summary>
[TestClass]
public sealed class ScalarsTests
{
    [TestMethod]
    public void One_IsOneRootedScalar()
    {
        // A static readonly field is a GC root: its native handle lives as long as the process.
        var field = typeof(Scalars).GetField(nameof(Scalars.One))!;
        Assert.IsTrue(field.IsStatic && field.IsInitOnly, "Scalars.One must be a static readonly field, not a property making new scalars");
        using var a = torch.tensor(new[] { 1.0, 2.0 });
        using var b = torch.tensor(new[] { 10.0, 20.0 });
        a.add_(b, Scalars.One);
        CollectionAssert.AreEqual(new[] { 11.0, 22.0 }, a.data<double>().ToArray());
    }

    [TestMethod]
    public void Detector_FindsEveryImplicitScalarForm()
    {
        string bad = """
            total[i].add_(g[i]);
            var y = x.add(epsilon).sqrt_();
            var r = torch.arange(start, stop, device: d);
            var h = t.mul(0.5);
            var q = t.addcdiv_(a, b);
            p.add_(g, alpha: 2);
            using var one = Scalars.One;
            """;
        Assert.HasCount(7, ImplicitScalarCalls(bad));
        string good = """
            total[i].add_(g[i], alpha: Scalars.One);
            var y = x.add(epsilon, Scalars.One).sqrt_();
            var r = torch.arange(from, to, step, ScalarType.Int64, d);
            var h = t.mul(half);
            var q = t.addcdiv_(a, b, value);
            var s = Math.Max(a.sub(b).item<double>(), c);
            """;
        Assert.IsEmpty(ImplicitScalarCalls(good));
    }

    [TestMethod]
    [DataRow("Cdat.ML")]
    [DataRow("Cdat.ML.Samples")]
    public void Source_CreatesNoImplicitScalars(string project)
    {
        var source = Path.Combine(RepositoryRoot(), "src", project);
        var offences = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(f => ImplicitScalarCalls(File.ReadAllText(f)).Select(call => $"{Path.GetRelativePath(source, f)}: {call}"))
            .ToList();
        Assert.IsEmpty(offences, "Pass explicit scalars (Scalars.Of, Scalars.One):\n" + string.Join("\n", offences));
    }

    private static readonly Regex Call = new(@"\.(add_?|addcdiv_?|arange|mul_?|div_?|sub_?|pow_?|clamp_?|lt|gt|ge|le|eq|ne|fill_|remainder)\(", RegexOptions.Compiled);

    /// <summary>Calls whose overload makes TorchSharp create a scalar: too few operands, or a numeric literal.</summary>
    private static List<string> ImplicitScalarCalls(string code)
    {
        code = Regex.Replace(code, @"//.*", "");
        var found = new List<string>();
        foreach (Match m in Call.Matches(code))
        {
            var args = Arguments(code, m.Index + m.Length);
            if (args is null) continue;
            string name = m.Groups[1].Value;
            bool literal = args.Any(a => Regex.IsMatch(a.Trim(), @"^(\w+:\s*)?-?\d"));
            bool tooFew = name switch
            {
                "add" or "add_" => args.Count == 1,
                "addcdiv" or "addcdiv_" => args.Count == 2,
                "arange" => args.Count(a => !a.Contains(':')) < 3,
                _ => false,
            };
            if (literal || tooFew) found.Add(code.Substring(m.Index, Math.Min(60, code.Length - m.Index)).Split('\n')[0]);
        }
        // Disposing the shared scalar would free it for everyone.
        found.AddRange(Regex.Matches(code, @"using\s+(var|Scalar)\s+\w+\s*=\s*Scalars\.One\b").Select(m => m.Value));
        return found;
    }

    /// <summary>The top-level arguments of the call whose '(' ends just before <paramref name="start"/>.</summary>
    private static List<string>? Arguments(string code, int start)
    {
        var args = new List<string>();
        int depth = 0, from = start;
        for (int i = start; i < code.Length; i++)
        {
            char c = code[i];
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}')
            {
                if (depth-- > 0) continue;
                if (i > from || args.Count > 0) args.Add(code[from..i]);
                return args;
            }
            else if (c == ',' && depth == 0)
            {
                args.Add(code[from..i]);
                from = i + 1;
            }
        }
        return null;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cdat.ML.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"Cdat.ML.sln not found above {AppContext.BaseDirectory}.");
    }
}
