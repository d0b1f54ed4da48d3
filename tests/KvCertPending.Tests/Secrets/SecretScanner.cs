using System.Collections;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using KvCertPending.Hosting;

namespace KvCertPending.Tests.Secrets;

/// <summary>
/// Looks for secrets in text: each secret, and any run of 16 or more of its characters (so a secret cut in two, or
/// half of a private key's base64, is still found), plus the shapes of secrets whatever their value: a PEM private key
/// and a JWT ("eyJ"). Everything a script leaves (objects, every stream, the console) becomes one text first.
/// </summary>
internal sealed class SecretScanner
{
    private const int Window = 16;
    private readonly Dictionary<string, string> _windows = new(StringComparer.Ordinal);
    private readonly List<string> _names = new();

    /// <summary>Adds a secret under a name (the name, never the value, is what a failure reports).</summary>
    public SecretScanner Add(string name, string secret)
    {
        if (secret.Length < Window)
        {
            throw new ArgumentException("A secret shorter than the window would be found everywhere or nowhere.", nameof(secret));
        }

        _names.Add(name);
        for (var i = 0; i + Window <= secret.Length; i++)
        {
            _windows.TryAdd(secret.Substring(i, Window), name);
        }

        return this;
    }

    /// <summary>
    /// Public DER (a certificate) whose base64, at each of the three byte alignments, shares pieces with a key's base64:
    /// the ASN.1 headers and an RSA key's modulus are in both. Those windows are not secret and are dropped.
    /// </summary>
    public SecretScanner ExceptPublic(byte[] publicDer)
    {
        for (var shift = 0; shift < 3 && shift < publicDer.Length; shift++)
        {
            var text = Convert.ToBase64String(publicDer, shift, publicDer.Length - shift);
            for (var i = 0; i + Window <= text.Length; i++)
            {
                _windows.Remove(text.Substring(i, Window));
            }
        }

        return this;
    }

    public IReadOnlyList<string> Names => _names;

    /// <summary>What of the secrets is in <paramref name="text"/>: "name (where)" entries, empty when nothing.</summary>
    public List<string> Find(string text, string where)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + Window <= text.Length; i++)
        {
            if (_windows.TryGetValue(text.Substring(i, Window), out var name))
            {
                found.Add($"{name} in {where} at {i}");
                i += Window - 1;
            }
        }

        // The armour of a PEM key ("Skipped a PEM block ... (PRIVATE KEY)" names the label only, which is fine).
        if (text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            found.Add($"a PEM private key in {where}");
        }

        if (text.Contains("eyJ", StringComparison.Ordinal))
        {
            found.Add($"a JWT-shaped string (eyJ...) in {where}");
        }

        return found.ToList();
    }

    /// <summary>Everything a script run left, as text: output objects (two levels of properties), each stream, the console.</summary>
    public static string Flatten(ScriptResult result)
    {
        var text = new StringBuilder();
        foreach (var item in result.Output)
        {
            AppendObject(text, item, 0);
        }

        foreach (var error in result.Errors)
        {
            AppendError(text, error);
        }

        foreach (var record in result.Warnings.Cast<InformationalRecord>().Concat(result.Verbose).Concat(result.Debug))
        {
            text.Append(record.GetType().Name).Append(": ").AppendLine(record.Message);
        }

        foreach (var record in result.Information)
        {
            text.Append("Information: ").Append(record.MessageData).Append(' ').AppendLine(string.Join(",", record.Tags));
        }

        foreach (var record in result.Progress)
        {
            text.Append("Progress: ").Append(record.Activity).Append(" | ").Append(record.StatusDescription).Append(" | ").AppendLine(record.CurrentOperation);
        }

        return text.Append("Console:\n").Append(result.ConsoleText).ToString();
    }

    private static void AppendError(StringBuilder text, ErrorRecord error)
    {
        text.Append("Error: ").Append(error.FullyQualifiedErrorId).Append(" | ").Append(error.CategoryInfo).Append(" | ").AppendLine(error.ToString());
        text.Append("  target: ").AppendLine(Convert.ToString(error.TargetObject, System.Globalization.CultureInfo.InvariantCulture));
        text.Append("  details: ").Append(error.ErrorDetails?.Message).Append(" | ").AppendLine(error.ErrorDetails?.RecommendedAction);
        text.Append("  exception: ").AppendLine(error.Exception?.ToString()); // the whole chain: inner exceptions and the SDK's response text
        for (var inner = error.Exception; inner is not null; inner = inner.InnerException)
        {
            foreach (DictionaryEntry entry in inner.Data)
            {
                text.Append("  data: ").Append(entry.Key).Append('=').AppendLine(Convert.ToString(entry.Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    private static void AppendObject(StringBuilder text, object? value, int depth)
    {
        switch (value)
        {
            case null:
                return;
            case ErrorRecord error:
                AppendError(text, error);
                return;
            case PSObject { BaseObject: ErrorRecord or InformationalRecord or InformationRecord } wrapped:
                AppendObject(text, wrapped.BaseObject, depth);
                return;
            case InformationalRecord record:
                text.Append(record.GetType().Name).Append(": ").AppendLine(record.Message);
                return;
            case InformationRecord info:
                text.Append("Information: ").AppendLine(Convert.ToString(info.MessageData, System.Globalization.CultureInfo.InvariantCulture));
                return;
        }

        var ps = value as PSObject ?? PSObject.AsPSObject(value);
        text.AppendLine(SafeToString(ps));
        if (depth >= 2 || ps.BaseObject is string || ps.BaseObject.GetType().IsPrimitive)
        {
            return;
        }

        foreach (var property in ps.Properties)
        {
            object? propertyValue;
            try
            {
                propertyValue = property.Value;
            }
            catch (GetValueException)
            {
                continue;
            }

            text.Append(new string(' ', depth * 2)).Append(property.Name).Append(": ");
            if (propertyValue is byte[] bytes)
            {
                text.AppendLine(Convert.ToBase64String(bytes)); // the way a secret in bytes would be shown or serialized
            }
            else
            {
                AppendObject(text, propertyValue, depth + 1);
            }
        }
    }

    private static string SafeToString(PSObject ps)
    {
        try
        {
            return ps.ToString();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return string.Empty;
        }
    }
}

/// <summary>Finds private key material in HTTP response bodies whatever its encoding: PEM, PKCS#8, PKCS#1, PKCS#12.</summary>
internal static class PrivateKeyDetector
{
    /// <summary>Where in <paramref name="body"/> a private key is, or null.</summary>
    public static string? Find(string body)
    {
        if (body.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            return "a PEM private key";
        }

        foreach (var value in Strings(body))
        {
            if (value.Length >= 64 && TryBase64(value) is { } bytes && HoldsPrivateKey(bytes))
            {
                return $"a private key in a base64 value of {value.Length} characters";
            }

            if (value.Contains("PRIVATE KEY", StringComparison.Ordinal))
            {
                return "a PEM private key in a JSON string";
            }
        }

        return null;
    }

    private static IEnumerable<string> Strings(string body)
    {
        var values = new List<string> { body.Trim().Trim('"') };
        try
        {
            using var document = JsonDocument.Parse(body);
            Walk(document.RootElement, values);
        }
        catch (JsonException)
        {
            // Not JSON (a CSR as application/pkcs10, an empty body): the body itself was added above.
        }

        return values;
    }

    private static void Walk(JsonElement element, List<string> values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value, values);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, values);
                }

                break;
            case JsonValueKind.String:
                values.Add(element.GetString()!);
                break;
        }
    }

    private static byte[]? TryBase64(string value)
    {
        var text = value.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal).Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool HoldsPrivateKey(byte[] bytes)
    {
        foreach (var import in new Func<byte[], bool>[]
        {
            b => { using var rsa = RSA.Create(); rsa.ImportPkcs8PrivateKey(b, out _); return true; },
            b => { using var ec = ECDsa.Create(); ec.ImportPkcs8PrivateKey(b, out _); return true; },
            b => { using var rsa = RSA.Create(); rsa.ImportRSAPrivateKey(b, out _); return true; },
            b => { using var ec = ECDsa.Create(); ec.ImportECPrivateKey(b, out _); return true; },
            b => X509CertificateLoader.LoadPkcs12Collection(b, null).Any(c => c.HasPrivateKey),
            b => X509CertificateLoader.LoadPkcs12Collection(b, string.Empty).Any(c => c.HasPrivateKey),
        })
        {
            try
            {
                if (import(bytes))
                {
                    return true;
                }
            }
            catch (CryptographicException)
            {
            }
        }

        return false;
    }
}
