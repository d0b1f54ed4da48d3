// KvCertPending.ProcessProbe: hosts the PowerShell 7.6 engine in a fresh process, imports the built module, runs a script
// against a local vault and prints one line "PROBE-REPORT {json}": which Azure.* / Microsoft.Identity.* assemblies were loaded
// (name, version, load context, file) before the import, after it and after the script, the script's output, warnings and
// errors, and with --older-sdk what an OLDER Azure.Identity/Azure.Core in the default load context (as Az.Accounts loads
// them) did before and after the module ran. No token or secret is printed.
//
//   dotnet KvCertPending.ProcessProbe.dll --module out/KvCertPending/KvCertPending.psd1 --vault https://localhost:PORT/
//       --trust tls-certificate.pem --tenant TENANT --script script.ps1 [--older-sdk]
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net.Http;
using System.Reflection;
using System.Runtime.Loader;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;

var arguments = Arguments.Parse(args);
var vaultUri = new Uri(arguments.Required("vault"));
var trustPath = arguments.Required("trust");
var tenant = arguments.Required("tenant");
using var trusted = X509Certificate2.CreateFromPem(File.ReadAllText(trustPath));
var report = new JsonObject();

if (arguments.Has("older-sdk"))
{
    report["olderSdkBefore"] = await OlderSdk.UseAsync(vaultUri, trusted, tenant);
}

var state = InitialSessionState.CreateDefault2();
using var runspace = RunspaceFactory.CreateRunspace(state);
runspace.Open();
report["beforeImport"] = Loaded.Snapshot();

var clock = System.Diagnostics.Stopwatch.StartNew();
using (var import = PowerShell.Create(runspace))
{
    import.AddCommand("Import-Module").AddParameter("Name", arguments.Required("module")).AddParameter("ErrorAction", "Stop").Invoke();
}

report["importMilliseconds"] = clock.Elapsed.TotalMilliseconds; // a figure for the record, never asserted

report["afterImport"] = Loaded.Snapshot();

runspace.SessionStateProxy.SetVariable("VaultUri", vaultUri.AbsoluteUri);
runspace.SessionStateProxy.SetVariable("KvCertPendingTrustedCertificate", trustPath);
runspace.SessionStateProxy.SetVariable("tenant", tenant);
using (var script = PowerShell.Create(runspace))
{
    script.AddScript(File.ReadAllText(arguments.Required("script")));
    var output = new JsonArray();
    clock.Restart();
    try
    {
        foreach (var item in script.Invoke())
        {
            output.Add(item?.ToString());
        }
    }
    catch (RuntimeException e)
    {
        report["terminatingError"] = e.ErrorRecord.FullyQualifiedErrorId + ": " + e.Message;
    }

    report["scriptMilliseconds"] = clock.Elapsed.TotalMilliseconds;
    report["output"] = output;
    report["warnings"] = new JsonArray(script.Streams.Warning.Select(w => (JsonNode?)w.Message).ToArray());
    report["errors"] = new JsonArray(script.Streams.Error.Select(e => (JsonNode?)new JsonObject
    {
        ["id"] = e.FullyQualifiedErrorId,
        ["category"] = e.CategoryInfo.Category.ToString(),
        ["message"] = e.Exception.Message,
    }).ToArray());
}

report["afterScript"] = Loaded.Snapshot();

if (arguments.Has("older-sdk"))
{
    report["olderSdkAfter"] = await OlderSdk.UseAsync(vaultUri, trusted, tenant);
}

Console.WriteLine("PROBE-REPORT " + report.ToJsonString());
return 0;

/// <summary>The Azure SDK and MSAL assemblies loaded in this process, with their load context.</summary>
internal static class Loaded
{
    public static JsonArray Snapshot() => new(AppDomain.CurrentDomain.GetAssemblies()
        .Where(a => a.GetName().Name is { } name && (name.StartsWith("Azure.", StringComparison.Ordinal) || name.StartsWith("Microsoft.Identity.", StringComparison.Ordinal) || name == "KvCertPending.Engine"))
        .Select(a => (JsonNode?)Describe(a))
        .ToArray());

    public static JsonObject Describe(Assembly assembly) => new()
    {
        ["name"] = assembly.GetName().Name,
        ["version"] = assembly.GetName().Version?.ToString(),
        ["context"] = AssemblyLoadContext.GetLoadContext(assembly)?.Name,
        ["location"] = assembly.Location,
    };
}

/// <summary>The host's own, older Azure.Identity: a client-secret sign-in at the vault's token endpoint, and the token used on the vault.</summary>
internal static class OlderSdk
{
    public static async Task<JsonObject> UseAsync(Uri vaultUri, X509Certificate2 trusted, string tenant)
    {
        var credential = new ClientSecretCredential(tenant, "older-sdk-app", "older-sdk-secret", new ClientSecretCredentialOptions
        {
            AuthorityHost = vaultUri,
            DisableInstanceDiscovery = true,
            Transport = new HttpClientTransport(Handler(trusted)),
        });
        var token = await credential.GetTokenAsync(new TokenRequestContext(["https://vault.azure.net/.default"]), CancellationToken.None);
        using var http = new HttpClient(Handler(trusted)) { BaseAddress = vaultUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, "certificates?api-version=7.6");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Token);
        using var response = await http.SendAsync(request);
        return new JsonObject
        {
            ["azureCore"] = Loaded.Describe(typeof(TokenCredential).Assembly),
            ["azureIdentity"] = Loaded.Describe(typeof(ClientSecretCredential).Assembly),
            ["vaultStatus"] = (int)response.StatusCode,
        };
    }

    /// <summary>Trusts exactly the vault's certificate (when its only fault is an untrusted chain), nothing else.</summary>
    private static HttpClientHandler Handler(X509Certificate2 trusted) => new()
    {
        ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            errors == System.Net.Security.SslPolicyErrors.None
            || (errors == System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors && certificate is not null && certificate.RawData.AsSpan().SequenceEqual(trusted.RawData)),
    };
}

/// <summary>--name value pairs and --flag switches.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public static Arguments Parse(string[] args)
    {
        var parsed = new Arguments();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException("Unexpected argument: " + args[i]);
            }

            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            parsed._values[args[i][2..]] = hasValue ? args[++i] : null;
        }

        return parsed;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string Required(string name) =>
        _values.TryGetValue(name, out var value) && value is not null ? value : throw new ArgumentException("Missing --" + name);
}
