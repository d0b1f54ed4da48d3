using System.Collections;
using System.Management.Automation;
using System.Text;
using System.Text.Json;

namespace KvCertPending.Tests.Fuzz;

/// <summary>Valid policies in Key Vault's REST shape, from a seed, and the mutations the policy reader must survive.</summary>
internal static class PolicyGenerator
{
    public static readonly string[] Kinds =
    [
        "wrong type", "unknown property", "duplicate property", "nested depth", "huge number", "odd number", "empty string",
        "non-ascii", "very long string", "truncate json", "bit flips json", "random text", "whitespace", "null value",
        "missing subject and sans", "create body siblings", "contradiction",
    ];

    private static readonly string[] KeyUsages = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign"];

    /// <summary>A valid policy; <paramref name="expected"/> gets what the built policy must then say.</summary>
    public static Dictionary<string, object?> Valid(FuzzRun run, out Dictionary<string, object?> expected)
    {
        var r = run.Random;
        expected = new Dictionary<string, object?>();
        var root = new Dictionary<string, object?>();
        var issuer = new Dictionary<string, object?> { ["name"] = run.Pick(new[] { "Self", "Unknown", "test-quick", "DigiCert-issuer" }) };
        expected["IssuerName"] = issuer["name"];
        if (r.Next(3) == 0)
        {
            issuer["cty"] = run.Pick(new[] { "OV-SSL", "EV-SSL" });
            expected["CertificateType"] = issuer["cty"];
        }

        if (r.Next(4) == 0)
        {
            issuer["cert_transparency"] = r.Next(2) == 0;
        }

        root["issuer"] = issuer;
        var x509 = new Dictionary<string, object?>();
        var hasSubject = r.Next(4) != 0;
        if (hasSubject)
        {
            x509["subject"] = "CN=" + run.Pick(new[] { "www.contoso.com", "fuzz", "a-b.example.org" });
            expected["Subject"] = x509["subject"];
        }

        if (!hasSubject || r.Next(2) == 0)
        {
            var dns = Enumerable.Range(0, r.Next(1, 4)).Select(i => $"host{i}.example.com").ToArray();
            x509["sans"] = new Dictionary<string, object?> { ["dns_names"] = dns };
            expected["DnsNames"] = dns.Length;
        }

        if (r.Next(2) == 0)
        {
            x509["validity_months"] = r.Next(1, 121);
            expected["ValidityInMonths"] = x509["validity_months"];
        }

        if (r.Next(3) == 0)
        {
            x509["ekus"] = new[] { "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2" }.Take(r.Next(1, 3)).ToArray();
        }

        if (r.Next(3) == 0)
        {
            x509["key_usage"] = KeyUsages.Where(_ => r.Next(3) == 0).DefaultIfEmpty("digitalSignature").ToArray();
        }

        root["x509_props"] = x509;
        if (r.Next(2) == 0)
        {
            var key = new Dictionary<string, object?>();
            if (r.Next(2) == 0)
            {
                key["kty"] = run.Pick(new[] { "RSA", "RSA-HSM" });
                if (r.Next(2) == 0)
                {
                    key["key_size"] = run.Pick(new[] { 2048, 3072, 4096 });
                }
            }
            else
            {
                key["kty"] = run.Pick(new[] { "EC", "EC-HSM" });
                key["crv"] = run.Pick(new[] { "P-256", "P-384", "P-521", "P-256K" });
            }

            expected["KeyType"] = key["kty"];
            if (r.Next(2) == 0)
            {
                key["exportable"] = r.Next(2) == 0;
                expected["Exportable"] = key["exportable"];
            }

            if (r.Next(3) == 0)
            {
                key["reuse_key"] = r.Next(2) == 0;
            }

            root["key_props"] = key;
        }

        if (r.Next(3) == 0)
        {
            root["secret_props"] = new Dictionary<string, object?> { ["contentType"] = run.Pick(new[] { "application/x-pkcs12", "application/x-pem-file" }) };
        }

        if (r.Next(3) == 0)
        {
            var trigger = r.Next(2) == 0
                ? new Dictionary<string, object?> { ["lifetime_percentage"] = r.Next(1, 100) }
                : new Dictionary<string, object?> { ["days_before_expiry"] = r.Next(1, 365) };
            root["lifetime_actions"] = new object[]
            {
                new Dictionary<string, object?> { ["trigger"] = trigger, ["action"] = new Dictionary<string, object?> { ["action_type"] = run.Pick(new[] { "AutoRenew", "EmailContacts" }) } },
            };
        }

        if (r.Next(3) == 0)
        {
            root["attributes"] = new Dictionary<string, object?> { ["enabled"] = r.Next(2) == 0 };
        }

        return r.Next(5) == 0 ? new Dictionary<string, object?> { ["policy"] = root } : root;
    }

    private static readonly JsonSerializerOptions Deep = new() { MaxDepth = 6000 };

    public static string Json(object? tree) => JsonSerializer.Serialize(tree, Deep);

    /// <summary>The same tree as a PowerShell user would give it: hashtables, PSCustomObjects, object arrays.</summary>
    public static object? ToPowerShell(object? value, Random r) => value switch
    {
        // A PSCustomObject cannot have a property named "": such a map is always a hashtable.
        Dictionary<string, object?> map when r.Next(2) == 0 || map.ContainsKey(string.Empty) => Hashtable(map, r),
        Dictionary<string, object?> map => CustomObject(map, r),
        string s => s,
        IEnumerable list => list.Cast<object?>().Select(i => ToPowerShell(i, r)).ToArray(),
        _ => value,
    };

    private static Hashtable Hashtable(Dictionary<string, object?> map, Random r)
    {
        var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in map)
        {
            table[k] = ToPowerShell(v, r);
        }

        return table;
    }

    private static PSObject CustomObject(Dictionary<string, object?> map, Random r)
    {
        var o = new PSObject();
        foreach (var (k, v) in map)
        {
            o.Properties.Add(new PSNoteProperty(k, ToPowerShell(v, r)));
        }

        return o;
    }

    /// <summary>A mutation applied to the tree (returned as a tree) or to its JSON text (returned as a string).</summary>
    public static object? Mutate(string kind, Dictionary<string, object?> tree, FuzzRun run)
    {
        var r = run.Random;
        var root = tree.TryGetValue("policy", out var inner) ? (Dictionary<string, object?>)inner! : tree;
        switch (kind)
        {
            case "wrong type":
                SetRandomLeaf(root, run, run.Pick(new object?[] { 42, 1.5, true, "text", new object[] { 1, "a" }, new Dictionary<string, object?> { ["x"] = 1 }, new object[0] }));
                return tree;
            case "unknown property":
                var node = RandomObject(root, run);
                node[run.Pick(new[] { "subjet", "validity_month", "kty ", "Extra", "__proto__", "", "é", "dns_name" })] = "x";
                return tree;
            case "duplicate property":
                var json = Json(tree);
                var at = json.IndexOf("\"name\":", StringComparison.Ordinal);
                return at < 0 ? json : json.Insert(at, run.Pick(new[] { "\"name\":\"Self\",", "\"NAME\":\"Self\"," }));
            case "nested depth":
                object? nested = "CN=deep";
                var depth = run.Pick(new[] { 2, 33, 63, 64, 65, 200, 5000 });
                for (var i = 0; i < depth; i++)
                {
                    nested = r.Next(2) == 0 ? new object?[] { nested } : new Dictionary<string, object?> { ["a"] = nested };
                }

                SetRandomLeaf(root, run, nested);
                return r.Next(2) == 0 ? tree : DeepJson(depth);
            case "huge number":
                return ReplaceNumber(tree, run, run.Pick(new[] { "1e400", "-1e400", "9223372036854775808", "99999999999999999999999", "2147483648", "-2147483649", "1E+309" }));
            case "odd number":
                return ReplaceNumber(tree, run, run.Pick(new[] { "-1", "0", "1.5", "-0", "1e2", "0.0000001", "12.0" }));
            case "empty string":
                SetRandomLeaf(root, run, string.Empty);
                return tree;
            case "non-ascii":
                SetRandomLeaf(root, run, run.Pick(new[] { "CN=Müller", "中文", "\ud83d\udd12", "\u0000", "\u202e", "CN=a\nb", "İ" }));
                return tree;
            case "very long string":
                SetRandomLeaf(root, run, "CN=" + new string('a', run.Pick(new[] { 10_000, 1_000_000 })));
                return tree;
            case "truncate json":
                var text = Json(tree);
                return text[..r.Next(text.Length)];
            case "bit flips json":
                var bytes = Encoding.UTF8.GetBytes(Json(tree));
                for (var i = r.Next(1, 5); i > 0; i--)
                {
                    bytes[r.Next(bytes.Length)] ^= (byte)(1 << r.Next(7));
                }

                return Encoding.UTF8.GetString(bytes);
            case "random text":
                return new string(Enumerable.Range(0, r.Next(0, 300)).Select(_ => (char)r.Next(1, 0x3000)).ToArray());
            case "whitespace":
                return new string(' ', r.Next(0, 50)) + (r.Next(2) == 0 ? string.Empty : "\t\r\n");
            case "null value":
                SetRandomLeaf(root, run, null);
                return tree;
            case "missing subject and sans":
                if (root.TryGetValue("x509_props", out var x509) && x509 is Dictionary<string, object?> props)
                {
                    props.Remove("subject");
                    props.Remove("sans");
                }

                return tree;
            case "create body siblings":
                return new Dictionary<string, object?> { ["policy"] = root, [run.Pick(new[] { "tags", "attributes", "preserveCertOrder" })] = new Dictionary<string, object?>() };
            case "contradiction":
                var key = new Dictionary<string, object?>();
                switch (r.Next(3))
                {
                    case 0:
                        key["kty"] = "EC";
                        key["key_size"] = 2048;
                        break;
                    case 1:
                        key["kty"] = "RSA";
                        key["crv"] = "P-256";
                        break;
                    default:
                        root["lifetime_actions"] = new object[]
                        {
                            new Dictionary<string, object?> { ["trigger"] = new Dictionary<string, object?> { ["lifetime_percentage"] = 80, ["days_before_expiry"] = 10 }, ["action"] = new Dictionary<string, object?> { ["action_type"] = "AutoRenew" } },
                        };
                        return tree;
                }

                root["key_props"] = key;
                return tree;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>Which mutations can never give a valid policy (the reader must refuse them).</summary>
    public static bool MustRefuse(string kind) =>
        kind is "unknown property" or "duplicate property" or "huge number" or "whitespace" or "missing subject and sans" or "create body siblings" or "contradiction";

    private static string DeepJson(int depth) =>
        "{\"x509_props\":{\"subject\":" + new string('[', depth) + "\"CN=a\"" + new string(']', depth) + "}}";

    private static string ReplaceNumber(Dictionary<string, object?> tree, FuzzRun run, string number)
    {
        var root = tree.TryGetValue("policy", out var inner) ? (Dictionary<string, object?>)inner! : tree;
        var x509 = (Dictionary<string, object?>)root["x509_props"]!;
        x509["validity_months"] = 12345;
        return Json(tree).Replace("12345", number, StringComparison.Ordinal);
    }

    private static Dictionary<string, object?> RandomObject(Dictionary<string, object?> node, FuzzRun run)
    {
        while (run.Random.Next(3) != 0)
        {
            var children = node.Values.OfType<Dictionary<string, object?>>().ToList();
            if (children.Count == 0)
            {
                break;
            }

            node = run.Pick(children);
        }

        return node;
    }

    private static void SetRandomLeaf(Dictionary<string, object?> root, FuzzRun run, object? value)
    {
        var node = RandomObject(root, run);
        if (node.Count == 0)
        {
            node["subject"] = value;
            return;
        }

        node[run.Pick(node.Keys.ToList())] = value;
    }
}
