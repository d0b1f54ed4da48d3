using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.Resources;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Reads a whole policy in Key Vault's REST shape (key_props, secret_props, x509_props, lifetime_actions, issuer,
    /// attributes), from JSON text or from a PowerShell value (hashtable, ConvertFrom-Json object). A create body
    /// ({ "policy": {...} }) is accepted too. Unknown properties are refused, so a typo is not silently ignored.
    /// </summary>
    internal static class PolicyReader
    {
        /// <summary>How deep a PowerShell value may nest (JSON text has System.Text.Json's own limit of 64).</summary>
        internal const int MaxDepth = 32;

        /// <summary>How many values a PowerShell value may hold in all: a policy has a few dozen.</summary>
        internal const int MaxNodes = 10000;

        public static CertificatePolicy FromJson(string json, string certificateName)
        {
            object? tree;
            try
            {
                using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                tree = FromJsonElement(document.RootElement, "policy", certificateName);
            }
            catch (JsonException ex)
            {
                throw PolicyBuilder.Invalid(certificateName, string.Format(CultureInfo.CurrentCulture, Strings.PolicyJsonInvalid, ex.Message));
            }

            return FromTree(tree, certificateName);
        }

        public static CertificatePolicy FromObject(object value, string certificateName)
        {
            var unwrapped = value is PSObject ps ? ps.BaseObject : value;
            if (unwrapped is string json)
            {
                return FromJson(json, certificateName);
            }

            return FromTree(new PowerShellReader(certificateName).Read(value, "policy", 0), certificateName);
        }

        private static CertificatePolicy FromTree(object? tree, string name)
        {
            var root = AsObject(tree, "policy", name);
            if (root.TryGetValue("policy", out var inner) && inner is not null)
            {
                // A certificate bundle (GET /certificates/{name}, az keyvault certificate show) has an id: its policy is what
                // the user means, the rest describes that other certificate. A create body has no id: its tags and
                // attributes have their own parameters (-Tag, -Disabled), so they are refused rather than silently dropped.
                if (!root.ContainsKey("id"))
                {
                    Allow(root, "the request body", name, "policy");
                }

                root = AsObject(inner, "policy", name);
            }

            Allow(root, "policy", name, "id", "key_props", "secret_props", "x509_props", "lifetime_actions", "issuer", "attributes");

            var issuer = Child(root, "issuer", name);
            Allow(issuer, "issuer", name, "name", "cty", "cert_transparency");
            var x509 = Child(root, "x509_props", name);
            Allow(x509, "x509_props", name, "subject", "sans", "ekus", "key_usage", "validity_months", "basic_constraints");
            var sansNode = Child(x509, "sans", name);
            Allow(sansNode, "x509_props.sans", name, "dns_names", "emails", "upns");

            var parameters = new PolicyParameters
            {
                IssuerName = Str(issuer, "name", name) ?? "Unknown",
                Subject = Str(x509, "subject", name),
                DnsNames = StrList(sansNode, "dns_names", name),
                Emails = StrList(sansNode, "emails", name),
                UserPrincipalNames = StrList(sansNode, "upns", name),
                CertificateType = Str(issuer, "cty", name),
                CertificateTransparency = Bool(issuer, "cert_transparency", name),
                ValidityInMonths = Int(x509, "validity_months", name),
                EnhancedKeyUsage = StrList(x509, "ekus", name),
                KeyUsage = StrList(x509, "key_usage", name),
            };

            var key = Child(root, "key_props", name);
            Allow(key, "key_props", name, "exportable", "kty", "key_size", "crv", "reuse_key");
            var secret = Child(root, "secret_props", name);
            Allow(secret, "secret_props", name, "contentType");
            parameters.ContentType = Str(secret, "contentType", name);

            var policy = PolicyBuilder.Build(parameters, name);
            PolicyBuilder.ApplyKey(policy, Str(key, "kty", name), Int(key, "key_size", name), Str(key, "crv", name), Bool(key, "exportable", name), Bool(key, "reuse_key", name), name);

            if (root.TryGetValue("lifetime_actions", out var actions) && actions is not null)
            {
                if (actions is not List<object?> list)
                {
                    throw PolicyBuilder.Invalid(name, string.Format(CultureInfo.CurrentCulture, Strings.PolicyWrongType, "lifetime_actions", "array"));
                }

                foreach (var item in list)
                {
                    var entry = AsObject(item, "lifetime_actions[]", name);
                    Allow(entry, "lifetime_actions[]", name, "trigger", "action");
                    var trigger = Child(entry, "trigger", name);
                    Allow(trigger, "lifetime_actions[].trigger", name, "lifetime_percentage", "days_before_expiry");
                    var action = Child(entry, "action", name);
                    Allow(action, "lifetime_actions[].action", name, "action_type");
                    var type = Str(action, "action_type", name)
                        ?? throw PolicyBuilder.Invalid(name, string.Format(CultureInfo.CurrentCulture, Strings.PolicyMissing, "lifetime_actions[].action.action_type"));
                    PolicyBuilder.AddLifetimeAction(policy, new CertificatePolicyAction(type), Int(trigger, "lifetime_percentage", name), Int(trigger, "days_before_expiry", name), name);
                }
            }

            var attributes = Child(root, "attributes", name);
            Allow(attributes, "attributes", name, "enabled", "created", "updated");
            policy.Enabled = Bool(attributes, "enabled", name);
            return policy;
        }

        private static Dictionary<string, object?> Child(Dictionary<string, object?> parent, string key, string name) =>
            parent.TryGetValue(key, out var value) && value is not null ? AsObject(value, key, name) : new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);

        private static Dictionary<string, object?> AsObject(object? value, string path, string name) =>
            value as Dictionary<string, object?>
            ?? throw PolicyBuilder.Invalid(name, string.Format(CultureInfo.CurrentCulture, Strings.PolicyWrongType, path, "object"));

        private static void Allow(Dictionary<string, object?> node, string path, string name, params string[] known)
        {
            var unknown = node.Keys.FirstOrDefault(k => !known.Contains(k, StringComparer.OrdinalIgnoreCase));
            if (unknown is not null)
            {
                throw PolicyBuilder.Invalid(name, string.Format(CultureInfo.CurrentCulture, Strings.PolicyUnknownProperty, unknown, path, string.Join(", ", known)));
            }
        }

        private static string? Str(Dictionary<string, object?> node, string key, string name) =>
            !node.TryGetValue(key, out var value) || value is null ? null
            : value as string ?? throw PolicyBuilder.Invalid(name, string.Format(CultureInfo.CurrentCulture, Strings.PolicyWrongType, key, "string"));

        private static bool? Bool(Dictionary<string, object?> node, string key, string name) =>
            !node.TryGetValue(key, out var value) || value is null ? null
            : value as bool? ?? throw PolicyBuilder.Invalid(name, string.Format(CultureInfo.CurrentCulture, Strings.PolicyWrongType, key, "boolean"));

        private static int? Int(Dictionary<string, object?> node, string key, string name)
        {
            if (!node.TryGetValue(key, out var value) || value is null)
            {
                return null;
            }

            return value switch
            {
                int i => i,
                long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
                double d when d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
                decimal m when m == decimal.Floor(m) && m is >= int.MinValue and <= int.MaxValue => (int)m,
                _ => throw PolicyBuilder.Invalid(name, string.Format(CultureInfo.CurrentCulture, Strings.PolicyWrongType, key, "integer")),
            };
        }

        private static IList<string> StrList(Dictionary<string, object?> node, string key, string name)
        {
            if (!node.TryGetValue(key, out var value) || value is null)
            {
                return new List<string>();
            }

            if (value is string single)
            {
                return new List<string> { single };
            }

            if (value is List<object?> list && list.All(i => i is string))
            {
                return list.Cast<string>().ToList();
            }

            throw PolicyBuilder.Invalid(name, string.Format(CultureInfo.CurrentCulture, Strings.PolicyWrongType, key, "array of strings"));
        }

        private static object? FromJsonElement(JsonElement element, string path, string name)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    var result = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                    foreach (var property in element.EnumerateObject())
                    {
                        Add(result, property.Name, FromJsonElement(property.Value, property.Name, name), path, name);
                    }

                    return result;
                case JsonValueKind.Array:
                    return element.EnumerateArray().Select(e => FromJsonElement(e, path + "[]", name)).ToList();
                case JsonValueKind.String:
                    return element.GetString();
                case JsonValueKind.Number:
                    // A number beyond double's range (1e400) is NaN here: no reader accepts it, so it gets the wrong-type error.
                    return element.TryGetInt64(out var l) ? l : element.TryGetDouble(out var d) ? d : double.NaN;
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                default:
                    return null;
            }
        }

        /// <summary>Adds a property; the same name twice (in any case) is refused: which one was meant?</summary>
        private static void Add(Dictionary<string, object?> node, string key, object? value, string path, string name)
        {
            if (node.ContainsKey(key))
            {
                throw PolicyBuilder.Invalid(name, string.Format(CultureInfo.CurrentCulture, Strings.PolicyDuplicateProperty, key, path));
            }

            node[key] = value;
        }

        /// <summary>
        /// Turns a PowerShell value (hashtable, PSCustomObject, array, scalar) into the same tree JSON gives, with a bound on
        /// depth and size: a value that contains itself ($h.self = $h) or an endless enumeration is refused, never followed.
        /// </summary>
        private sealed class PowerShellReader
        {
            private readonly string _name;
            private int _nodes;

            public PowerShellReader(string name) => _name = name;

            public object? Read(object? value, string path, int depth)
            {
                if (depth > MaxDepth || ++_nodes > MaxNodes)
                {
                    throw PolicyBuilder.Invalid(_name, string.Format(CultureInfo.CurrentCulture, Strings.PolicyTooDeep, MaxDepth, MaxNodes));
                }

                switch (value)
                {
                    case null:
                        return null;
                    case PSObject ps when ps.BaseObject is PSCustomObject:
                        var fromProperties = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                        foreach (var property in ps.Properties)
                        {
                            Add(fromProperties, property.Name, Read(property.Value, property.Name, depth + 1), path, _name);
                        }

                        return fromProperties;
                    case PSObject ps:
                        return Read(ps.BaseObject, path, depth);
                    case IDictionary dictionary:
                        var result = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                        foreach (DictionaryEntry entry in dictionary)
                        {
                            var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
                            Add(result, key, Read(entry.Value, key, depth + 1), path, _name);
                        }

                        return result;
                    case string s:
                        return s;
                    case bool b:
                        return b;
                    case SwitchParameter sw:
                        return sw.IsPresent;
                    case int or long or short or byte or double or float or decimal:
                        return Convert.ToDouble(value, CultureInfo.InvariantCulture);
                    case IEnumerable enumerable:
                        var items = new List<object?>();
                        foreach (var item in enumerable)
                        {
                            items.Add(Read(item, path + "[]", depth + 1));
                        }

                        return items;
                    default:
                        return Convert.ToString(value, CultureInfo.InvariantCulture);
                }
            }
        }
    }
}
