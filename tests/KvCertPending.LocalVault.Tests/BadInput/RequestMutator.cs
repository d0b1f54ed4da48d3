using System.Text;
using System.Text.Json.Nodes;

namespace KvCertPending.LocalVault.Tests.BadInput;

/// <summary>One generated request of the sweep.</summary>
/// <param name="Authorization">null: the usual bearer token; "": no Authorization header; else this header value.</param>
internal sealed record SweepRequest(string Name, HttpMethod Method, string Path, string? Body, bool AddApiVersion, string ContentType, string? Authorization)
{
    public override string ToString() => $"{Method} {Path} [{ContentType}{(Authorization is null ? string.Empty : $", Authorization '{Authorization[..Math.Min(Authorization.Length, 20)]}'")}] {(Body is null ? "<no body>" : Body.Length > 300 ? Body[..300] + "..." : Body)}";
}

/// <summary>
/// A seeded generator of mutated Key Vault requests: valid templates for every route, then names, query strings
/// and JSON bodies bent in the ways clients get them wrong (wrong types, missing and extra fields, truncation,
/// stray bytes, deep nesting, odd content types). Same seed, same requests.
/// </summary>
internal sealed class RequestMutator(int seed, IReadOnlyList<string> knownNames)
{
    private static readonly string[] WeirdNameParts = ["_", ".", "%20", "%2F", "%00", "~", "%C3%A4", "..", "'", "%22", "*", ":", "@", "%25"];

    private static readonly Func<Random, JsonNode?>[] OddValues =
    [
        _ => null,
        _ => true,
        _ => -1,
        _ => 0,
        _ => 2048,
        _ => 1e20,
        _ => 3.5,
        _ => int.MaxValue,
        _ => long.MinValue,
        _ => "",
        _ => "CN=",
        _ => "P-999",
        _ => "\u0000\uFFFF\uD83D\uDE00",
        r => new string('z', r.Next(1, 3000)),
        _ => new JsonArray(),
        _ => new JsonArray(1, "a", null),
        _ => new JsonObject(),
        _ => new JsonObject { ["name"] = new JsonObject() },
        _ => "!!!not base64",
        _ => "AAAA",
    ];

    private readonly Random random = new(seed);

    public SweepRequest Next()
    {
        string name = NextName();
        (HttpMethod method, string path, JsonNode? template) = Template(name);
        string? body = template?.ToJsonString();
        if (body is not null)
        {
            body = MutateBody(template!);
        }
        else if (random.Next(6) == 0)
        {
            body = RandomText(random.Next(0, 200));
        }

        path = MutateQuery(path);
        string contentType = random.Next(10) switch
        {
            0 => "text/plain",
            1 => "application/xml",
            _ => "application/json",
        };

        string? authorization = random.Next(20) switch
        {
            0 => string.Empty,
            1 => "Bearer",
            2 => "Basic dXNlcjpwYXNz",
            3 => "Bearer " + new string('t', 8000),
            4 => "PoP abc",
            _ => null,
        };

        return new SweepRequest(name, method, path, body, AddApiVersion: random.Next(12) != 0, contentType, authorization);
    }

    private string NextName()
    {
        int pick = random.Next(10);
        if (pick < 3)
        {
            return knownNames[random.Next(knownNames.Count)];
        }

        string name = "sw" + random.Next(100_000).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        return pick switch
        {
            3 => name + WeirdNameParts[random.Next(WeirdNameParts.Length)] + "x",
            4 => new string('n', random.Next(120, 140)),
            5 => WeirdNameParts[random.Next(WeirdNameParts.Length)],
            _ => name,
        };
    }

    private (HttpMethod Method, string Path, JsonNode? Body) Template(string name)
    {
        JsonObject policy = new()
        {
            ["key_props"] = new JsonObject { ["kty"] = "RSA", ["key_size"] = 2048, ["exportable"] = true, ["reuse_key"] = false },
            ["secret_props"] = new JsonObject { ["contentType"] = "application/x-pkcs12" },
            ["x509_props"] = new JsonObject
            {
                ["subject"] = "CN=sweep.contoso.com",
                ["sans"] = new JsonObject { ["dns_names"] = new JsonArray("sweep.contoso.com") },
                ["ekus"] = new JsonArray("1.3.6.1.5.5.7.3.1"),
                ["key_usage"] = new JsonArray("digitalSignature"),
                ["validity_months"] = 12,
            },
            ["issuer"] = new JsonObject { ["name"] = random.Next(2) == 0 ? "Self" : "Unknown" },
            ["lifetime_actions"] = new JsonArray(new JsonObject
            {
                ["trigger"] = new JsonObject { ["lifetime_percentage"] = 80 },
                ["action"] = new JsonObject { ["action_type"] = "EmailContacts" },
            }),
        };

        return random.Next(16) switch
        {
            0 or 1 or 2 => (HttpMethod.Post, $"/certificates/{name}/create", new JsonObject { ["policy"] = policy, ["tags"] = new JsonObject { ["k"] = "v" } }),
            3 => (HttpMethod.Get, $"/certificates/{name}/pending", null),
            4 => (HttpMethod.Patch, $"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true }),
            5 => (HttpMethod.Delete, $"/certificates/{name}/pending", null),
            6 => (HttpMethod.Post, $"/certificates/{name}/pending/merge", new JsonObject { ["x5c"] = new JsonArray("MIIBszCCAVmgAwIBAgIUJ1"), ["attributes"] = new JsonObject { ["enabled"] = true } }),
            7 => (HttpMethod.Post, $"/certificates/{name}/import", new JsonObject { ["value"] = "MIIKQgIBAzCCCf4GCSqGSIb3DQEHAaCCCe8Egg", ["pwd"] = "", ["policy"] = policy }),
            8 => (HttpMethod.Patch, $"/certificates/{name}/policy", policy),
            9 => (HttpMethod.Patch, $"/certificates/{name}", new JsonObject { ["attributes"] = new JsonObject { ["enabled"] = false }, ["tags"] = new JsonObject { ["a"] = "b" } }),
            10 => (HttpMethod.Put, $"/certificates/issuers/{name}", new JsonObject
            {
                ["provider"] = "DigiCert",
                ["credentials"] = new JsonObject { ["account_id"] = "a", ["pwd"] = "p" },
                ["org_details"] = new JsonObject { ["id"] = "o", ["admin_details"] = new JsonArray(new JsonObject { ["email"] = "x@y.z" }) },
                ["attributes"] = new JsonObject { ["enabled"] = true },
            }),
            11 => (HttpMethod.Get, $"/certificates?maxresults={random.Next(-5, 40)}&includePending={(random.Next(2) == 0 ? "true" : "maybe")}", null),
            12 => (HttpMethod.Get, $"/certificates/{name}/versions", null),
            13 => (HttpMethod.Post, $"/deletedcertificates/{name}/recover", null),
            14 => (HttpMethod.Get, $"/secrets/{name}/{Guid.NewGuid():N}", null),
            _ => (new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Head, HttpMethod.Options }[random.Next(5)], $"/certificates/{name}/{RandomSegment()}", null),
        };
    }

    private string MutateBody(JsonNode template)
    {
        switch (random.Next(8))
        {
            case 0:
                string text = template.ToJsonString();
                return text[..random.Next(text.Length)];
            case 1:
                string original = template.ToJsonString();
                int at = random.Next(original.Length);
                return original[..at] + (char)random.Next(0, 128) + original[(at + 1)..];
            case 2:
                return random.Next(3) switch
                {
                    0 => new string('[', 5000) + new string(']', 5000),
                    1 => RandomText(random.Next(1, 500)),
                    _ => "null",
                };
            default:
                for (int i = random.Next(1, 4); i > 0; i--)
                {
                    MutateTree(template);
                }

                return template.ToJsonString();
        }
    }

    private void MutateTree(JsonNode root)
    {
        var containers = new List<JsonNode>();
        Collect(root, containers);
        JsonNode target = containers[random.Next(containers.Count)];
        if (target is JsonObject obj)
        {
            if (obj.Count > 0 && random.Next(3) > 0)
            {
                string key = obj.ElementAt(random.Next(obj.Count)).Key;
                if (random.Next(3) == 0)
                {
                    obj.Remove(key);
                }
                else
                {
                    obj[key] = OddValues[random.Next(OddValues.Length)](random);
                }
            }
            else
            {
                obj["extra" + random.Next(100)] = OddValues[random.Next(OddValues.Length)](random);
            }
        }
        else if (target is JsonArray array)
        {
            if (array.Count > 0 && random.Next(2) == 0)
            {
                array[random.Next(array.Count)] = OddValues[random.Next(OddValues.Length)](random);
            }
            else
            {
                array.Add(OddValues[random.Next(OddValues.Length)](random));
            }
        }
    }

    private static void Collect(JsonNode? node, List<JsonNode> containers)
    {
        switch (node)
        {
            case JsonObject obj:
                containers.Add(obj);
                foreach (KeyValuePair<string, JsonNode?> property in obj.ToList())
                {
                    Collect(property.Value, containers);
                }

                break;
            case JsonArray array:
                containers.Add(array);
                foreach (JsonNode? item in array.ToList())
                {
                    Collect(item, containers);
                }

                break;
        }
    }

    private string MutateQuery(string path)
    {
        return random.Next(10) switch
        {
            0 => path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "request_id=" + RandomSegment(),
            1 => path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "api-version=" + new[] { "7.6", "", "9.9", "%00" }[random.Next(4)],
            2 => path + "/",
            3 => "/" + path,
            _ => path,
        };
    }

    private string RandomSegment()
    {
        string[] pool = ["pending", "policy", "versions", "backup", "restore", new string('f', 32), "%2e%2e", "x", "pending/merge/x", "issuers", "contacts"];
        return pool[random.Next(pool.Length)];
    }

    private string RandomText(int length)
    {
        var builder = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            builder.Append((char)random.Next(1, 0x2FF));
        }

        return builder.ToString();
    }
}
