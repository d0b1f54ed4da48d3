using System.Collections;
using System.Management.Automation;
using Xunit.Abstractions;

namespace KvCertPending.Tests.Fuzz;

/// <summary>
/// Layer (a) for policies: generated and mutated policies through the engine's PolicyReader (JSON text, and the same
/// trees as hashtables / PSCustomObjects) and PolicyBuilder (New-KvCertificate's parameters). Contract: a valid policy
/// is built with what it said; anything else is refused with CertificatePolicyInvalid (InvalidArgument) and a message
/// that names the certificate. Nothing else may escape: no FormatException, ArgumentException, stack overflow.
/// </summary>
public sealed class PolicyParserFuzzTests
{
    private const int Seed = 7001;
    private const string Name = "fuzz-policy";
    private readonly ITestOutputHelper _output;

    public PolicyParserFuzzTests(ITestOutputHelper output) => _output = output;

    private static ModuleParsers Parsers => ModuleParsers.Instance;

    [Fact]
    public void GeneratedPoliciesAreBuiltWithWhatTheySay()
    {
        var run = new FuzzRun("valid policies (PolicyReader)", Seed, _output);
        for (var i = 0; i < 400; i++)
        {
            var tree = PolicyGenerator.Valid(run, out var expected);
            var asJson = i % 2 == 0;
            var kind = asJson ? "json" : "powershell value";
            try
            {
                var policy = asJson ? Parsers.PolicyFromJson(PolicyGenerator.Json(tree), Name) : Parsers.PolicyFromObject(PolicyGenerator.ToPowerShell(tree, run.Random)!, Name);
                var wrong = Mismatch(policy, expected);
                if (wrong is null)
                {
                    run.Passed(kind, accepted: true);
                }
                else
                {
                    run.Failed(kind, wrong + " <- " + PolicyGenerator.Json(tree));
                }
            }
            catch (Exception ex)
            {
                run.Failed(kind, ex.GetType().Name + ": " + ex.Message + " <- " + PolicyGenerator.Json(tree));
            }
        }

        run.Report();
    }

    [Fact]
    public void MutatedPoliciesAreBuiltOrRefusedCleanly()
    {
        var run = new FuzzRun("policy mutations (PolicyReader.FromJson / FromObject)", Seed + 1, _output);
        foreach (var kind in PolicyGenerator.Kinds)
        {
            for (var i = 0; i < 120; i++)
            {
                var mutated = PolicyGenerator.Mutate(kind, PolicyGenerator.Valid(run, out _), run);
                var asObject = i % 2 == 1;
                var label = kind + (asObject ? " (object)" : " (json)");
                Func<object> read = mutated is string text
                    ? () => asObject ? Parsers.PolicyFromObject(text, Name) : Parsers.PolicyFromJson(text, Name)
                    : asObject ? () => Parsers.PolicyFromObject(PolicyGenerator.ToPowerShell(mutated, run.Random)!, Name)
                    : () => Parsers.PolicyFromJson(PolicyGenerator.Json(mutated), Name);
                Check(run, label, read, PolicyGenerator.MustRefuse(kind), mutated);
            }
        }

        run.Report();
    }

    [Fact]
    public void PowerShellValuesThatContainThemselvesOrNeverEndAreRefused()
    {
        var run = new FuzzRun("hostile PowerShell values (PolicyReader.FromObject)", Seed + 2, _output);
        var cyclic = new Hashtable { ["issuer"] = new Hashtable { ["name"] = "Self" } };
        cyclic["x509_props"] = cyclic;
        var custom = new PSObject();
        custom.Properties.Add(new PSNoteProperty("x509_props", null));
        custom.Properties["x509_props"].Value = custom;
        var list = new ArrayList();
        list.Add(list);
        var deep = new Hashtable();
        var cursor = deep;
        for (var i = 0; i < 100_000; i++)
        {
            var next = new Hashtable();
            cursor["a"] = next;
            cursor = next;
        }

        var cases = new (string Kind, object Value)[]
        {
            ("hashtable containing itself", cyclic),
            ("pscustomobject containing itself", custom),
            ("array containing itself", new Hashtable { ["x509_props"] = new Hashtable { ["ekus"] = list } }),
            ("endless enumeration", new Hashtable { ["x509_props"] = new Hashtable { ["ekus"] = Endless() } }),
            ("100,000 levels deep", deep),
            ("wide: 100,000 keys", Enumerable.Range(0, 100_000).Aggregate(new Hashtable(), (h, i) => { h["k" + i] = i; return h; })),
            ("odd scalars", new Hashtable { ["x509_props"] = new Hashtable { ["subject"] = 'c', ["validity_months"] = 12UL, ["ekus"] = new[] { DateTime.UnixEpoch } } }),
            ("scriptblock", new Hashtable { ["x509_props"] = ScriptBlock.Create("'CN=a'") }),
        };
        foreach (var (kind, value) in cases)
        {
            Check(run, kind, () => Parsers.PolicyFromObject(value, Name), mustRefuse: true, kind);
        }

        run.Report();
    }

    [Fact]
    public void PolicyParametersAreBuiltOrRefusedCleanly()
    {
        var run = new FuzzRun("New-KvCertificate parameters (PolicyBuilder.Build)", Seed + 3, _output);
        string?[] strings = [null, string.Empty, " ", "\t", "CN=a", "Self", "Unknown", "RSA", "EC", "EC-HSM", "P-256", "x", "é", new string('z', 5000), "\n"];
        for (var i = 0; i < 1500; i++)
        {
            var r = run.Random;
            string? S() => run.Pick(strings);
            int? I() => r.Next(3) == 0 ? null : run.Pick(new int?[] { 0, -1, 1, 80, 2048, 4096, int.MaxValue, int.MinValue });
            bool? B() => r.Next(3) == 0 ? null : r.Next(2) == 0;
            IList<string> L() => Enumerable.Range(0, r.Next(0, 3)).Select(_ => S() ?? string.Empty).ToList();
            var values = new Dictionary<string, object?>
            {
                ["IssuerName"] = S(), ["Subject"] = S(), ["DnsNames"] = L(), ["Emails"] = L(), ["UserPrincipalNames"] = L(),
                ["CertificateType"] = S(), ["CertificateTransparency"] = B(), ["KeyType"] = S(), ["KeySize"] = I(), ["Curve"] = S(),
                ["Exportable"] = B(), ["ReuseKey"] = B(), ["ContentType"] = S(), ["ValidityInMonths"] = I(), ["EnhancedKeyUsage"] = L(),
                ["KeyUsage"] = L(), ["RenewAtPercentageLifetime"] = I(), ["RenewAtNumberOfDaysBeforeExpiry"] = I(),
                ["EmailAtPercentageLifetime"] = I(), ["EmailAtNumberOfDaysBeforeExpiry"] = I(),
            };
            var kind = values["IssuerName"] is null || string.IsNullOrWhiteSpace((string?)values["IssuerName"]) ? "no issuer name"
                : string.IsNullOrWhiteSpace((string?)values["Subject"]) ? "no subject" : "subject and issuer";
            Check(run, kind, () => Parsers.BuildPolicy(values, Name), mustRefuse: kind == "no issuer name", string.Join(", ", values.Select(v => v.Key + "=" + Show(v.Value))));
        }

        run.Report();
    }

    private static void Check(FuzzRun run, string kind, Func<object> read, bool mustRefuse, object? input)
    {
        try
        {
            read();
            if (mustRefuse)
            {
                run.Failed(kind, "accepted what must be refused <- " + Describe(input));
                return;
            }

            run.Passed(kind, accepted: true);
        }
        catch (Exception ex) when (ModuleParsers.ModuleError(ex) is { } error)
        {
            if (error.ErrorId != "CertificatePolicyInvalid" || error.Category != ErrorCategory.InvalidArgument
                || !ex.Message.StartsWith($"The certificate policy for '{Name}' is not valid: ", StringComparison.Ordinal))
            {
                run.Failed(kind, $"{error.ErrorId}/{error.Category}: {ex.Message}");
                return;
            }

            run.Passed(kind, accepted: false);
        }
        catch (Exception ex)
        {
            run.Failed(kind, ex.GetType().Name + ": " + ex.Message + " <- " + Describe(input));
        }
    }

    private static string Describe(object? input) => input switch
    {
        string s => FuzzRun.Describe(s),
        Dictionary<string, object?> tree => FuzzRun.Describe(PolicyGenerator.Json(tree)),
        _ => input?.ToString() ?? "null",
    };

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => s.Length > 20 ? $"\"{s[..20]}...\"" : $"\"{s}\"",
        IEnumerable<string> list => "[" + string.Join(",", list.Select(Show)) + "]",
        _ => value.ToString()!,
    };

    /// <summary>What the built policy (the SDK's CertificatePolicy) says differently from what was asked, or null.</summary>
    private static string? Mismatch(object policy, Dictionary<string, object?> expected)
    {
        foreach (var (property, value) in expected)
        {
            var actual = policy.GetType().GetProperty(property == "DnsNames" ? "SubjectAlternativeNames" : property)!.GetValue(policy);
            if (property == "DnsNames")
            {
                actual = ((IEnumerable)actual!.GetType().GetProperty("DnsNames")!.GetValue(actual)!).Cast<object>().Count();
            }

            if (!string.Equals(Convert.ToString(actual, System.Globalization.CultureInfo.InvariantCulture), Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
            {
                return $"{property}: expected {value}, built {actual}";
            }
        }

        return null;
    }

    private static IEnumerable<object> Endless()
    {
        for (var i = 0L; ; i++)
        {
            yield return "1.3.6.1." + i;
        }
    }
}
