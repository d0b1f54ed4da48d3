using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.Bench;
using KvCertPending.Hosting;
using KvCertPending.LocalVault;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

// dotnet run -c Release --project bench/KvCertPending.Bench -- [import] [percall] [scan] [growth] [create] [throughput] [wait]
//   [--calls 200] [--certificates 1000] [--pending 200] [--latency-ms 20] [--creates 60] [--sizes 100,500,1000,2000,5000] [--svg docs/scan-growth.svg]
// Prints markdown tables (measured, baseline, ratio, target) for docs/performance.md. Nothing here asserts a time.
if (args.Length >= 2 && args[0] == "--child")
{
    return ImportChild(args[1]);
}

var options = ParseOptions(args);
var all = options.Scenarios.Count == 0;
Console.WriteLine($"KvCertPending bench, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, load: {Load()}");

if (all || options.Scenarios.Contains("import"))
{
    ImportCost();
}

if (all || options.Scenarios.Contains("percall"))
{
    await PerCallAsync(options.Calls).ConfigureAwait(false);
}

if (all || options.Scenarios.Contains("scan"))
{
    await ScanAsync(options.Certificates, options.Pending, options.LatencyMs).ConfigureAwait(false);
}

if (options.Scenarios.Contains("growth"))
{
    // Not part of "all": the SDK loop alone takes minutes at 5,000 certificates.
    await ModuleScenarios.GrowthAsync(options.Sizes, options.LatencyMs, options.SvgPath).ConfigureAwait(false);
}

if (all || options.Scenarios.Contains("create"))
{
    await CreateLatencyAsync(options.Creates).ConfigureAwait(false);
}

if (all || options.Scenarios.Contains("throughput"))
{
    await ThroughputAsync().ConfigureAwait(false);
}

if (all || options.Scenarios.Contains("wait"))
{
    await WaitAsync().ConfigureAwait(false);
}

return 0;

// 1. Import cost: a fresh process opens a PowerShell 7.6 runspace and imports the module, against the same process
// running an empty script instead. Five processes each, medians.
static void ImportCost()
{
    var import = new List<double>();
    var baseline = new List<double>();
    string loaded = string.Empty;
    for (var i = 0; i < 5; i++)
    {
        var (ms, assemblies) = RunChild("import");
        import.Add(ms);
        loaded = assemblies;
        baseline.Add(RunChild("baseline").Milliseconds);
    }

    Measure.Header("Import cost (fresh process, hosted PowerShell 7.6, median of 5)");
    var added = Measure.Median(import) - Measure.Median(baseline);
    Measure.Row("runspace open + Import-Module vs + empty script", Measure.Median(import), Measure.Median(baseline), "ms", "adds <= 250 ms", added <= 250);
    Console.WriteLine();
    Console.WriteLine($"Import adds {Measure.F(added)} ms. Azure assemblies loaded right after Import-Module: {(loaded.Length == 0 ? "none" : loaded)}");
}

static (double Milliseconds, string Assemblies) RunChild(string mode)
{
    var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
    {
        start.ArgumentList.Add(typeof(Measure).Assembly.Location);
    }

    start.ArgumentList.Add("--child");
    start.ArgumentList.Add(mode);
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEnd().Trim().Split('|');
    process.WaitForExit();
    return (double.Parse(output[0], CultureInfo.InvariantCulture), output.Length > 1 ? output[1] : string.Empty);
}

static int ImportChild(string mode)
{
    var watch = Stopwatch.StartNew();
    var state = InitialSessionState.CreateDefault2();
    using var runspace = RunspaceFactory.CreateRunspace(state);
    runspace.Open();
    using var shell = PowerShell.Create();
    shell.Runspace = runspace;
    shell.AddScript(mode == "import" ? "Import-Module -Name $args[0] -ErrorAction Stop" : "$null = $args[0]").AddArgument(RepositoryPaths.ModuleManifest);
    shell.Invoke();
    var elapsed = watch.Elapsed.TotalMilliseconds;
    var azure = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name!).Where(n => n.StartsWith("Azure.", StringComparison.Ordinal)).Order();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{elapsed}|{string.Join(", ", azure)}"));
    return shell.HadErrors ? 1 : 0;
}

// 2. Per-call overhead and 3. the vault-wide scan: see ModuleScenarios.cs.
static Task PerCallAsync(int calls) => ModuleScenarios.PerCallAsync(calls);

static Task ScanAsync(int certificates, int pending, int latencyMs) => ModuleScenarios.ScanAsync(certificates, pending, latencyMs);

// 4. Create latency of the local vault (RSA 2048, manual issuer) vs generating the key and CSR inline.
static async Task CreateLatencyAsync(int creates)
{
    await using var harness = await LocalVaultHarness.StartAsync().ConfigureAwait(false);
    var client = harness.Certificates;
    var latencies = new List<double>();
    for (var i = 0; i < creates + 5; i++)
    {
        var name = $"create-{i:D3}";
        var ms = await Measure.MillisecondsAsync(() => client.StartCreateCertificateAsync(name, new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=" + name))).ConfigureAwait(false);
        if (i >= 5)
        {
            latencies.Add(ms);
        }

        Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\rcreate {i + 1}/{creates + 5}: {ms:0} ms   "));

        // A client does more than create: give the pool's background refill the time a real caller leaves it.
        await Task.Delay(20).ConfigureAwait(false);
    }

    var floor = new List<double>();
    for (var i = 0; i < 20; i++)
    {
        floor.Add(Measure.Milliseconds(() =>
        {
            using var key = RSA.Create(2048);
            _ = new CertificateRequest("CN=floor", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest();
        }));
    }

    Measure.Header($"Local vault create latency (RSA 2048, issuer Unknown, {creates} creates) vs key + CSR inline (20)");
    Measure.Row("create p50 vs inline p50", Measure.Median(latencies), Measure.Median(floor), "ms", "<= 0.2x", Measure.Median(latencies) / Measure.Median(floor) <= 0.2);
    Measure.Row("create p99 vs inline p50", Measure.Percentile(latencies, 99), Measure.Median(floor), "ms", "(reported)", true);
}

// 5. GET /pending throughput with keep-alive from 8 concurrent workers vs a trivial Kestrel HTTPS endpoint.
static async Task ThroughputAsync()
{
    await using var harness = await LocalVaultHarness.StartAsync().ConfigureAwait(false);
    await harness.Certificates.StartCreateCertificateAsync("tp", new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=tp")).ConfigureAwait(false);
    var vault = await HammerAsync(harness.Http, new Uri($"/certificates/tp/pending?api-version={LocalVaultHarness.ApiVersion}", UriKind.Relative)).ConfigureAwait(false);

    using var key = RSA.Create(2048);
    var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    var san = new SubjectAlternativeNameBuilder();
    san.AddDnsName("localhost");
    request.CertificateExtensions.Add(san.Build());
    using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
    await using var app = builder.Build();
    app.MapGet("/trivial", () => Results.Text("{\"status\":\"inProgress\"}", "application/json"));
    await app.StartAsync().ConfigureAwait(false);
    var address = new Uri(app.Urls.First());
    var handler = new SocketsHttpHandler();
    handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, errors) =>
        errors == System.Net.Security.SslPolicyErrors.None || (presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(certificate.RawData));
    using var http = new HttpClient(handler) { BaseAddress = address };
    var trivial = await HammerAsync(http, new Uri("/trivial", UriKind.Relative)).ConfigureAwait(false);
    await app.StopAsync().ConfigureAwait(false);

    Measure.Header("GET /pending throughput (8 concurrent keep-alive workers, 3 s) vs trivial Kestrel HTTPS endpoint");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| requests/s | {vault.PerSecond:0} | {trivial.PerSecond:0} | {vault.PerSecond / trivial.PerSecond:0.00}x | >= 0.6x | {(vault.PerSecond / trivial.PerSecond >= 0.6 ? "yes" : "NO")} |"));
    Measure.Row("p99 latency", vault.P99, trivial.P99, "ms", "(reported)", true);
}

static async Task<(double PerSecond, double P99)> HammerAsync(HttpClient http, Uri path)
{
    for (var i = 0; i < 50; i++)
    {
        using var warm = await http.GetAsync(path).ConfigureAwait(false);
        warm.EnsureSuccessStatusCode();
    }

    var end = Stopwatch.StartNew();
    var latencies = new List<double>[8];
    await Task.WhenAll(Enumerable.Range(0, 8).Select(async w =>
    {
        var mine = latencies[w] = [];
        while (end.Elapsed < TimeSpan.FromSeconds(3))
        {
            var one = Stopwatch.StartNew();
            using var response = await http.GetAsync(path).ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            mine.Add(one.Elapsed.TotalMilliseconds);
        }
    })).ConfigureAwait(false);
    var every = latencies.SelectMany(l => l).ToList();
    return (every.Count / end.Elapsed.TotalSeconds, Measure.Percentile(every, 99));
}

// 6. -Wait on a CA that signs after 3 s: how long after completion it returns, and how often it polled.
static async Task WaitAsync()
{
    await using var harness = await LocalVaultHarness.StartAsync().ConfigureAwait(false);
    await harness.CreateIssuerAsync("bench-ca", "DigiCert", new IssuerSimulation(TimeSpan.FromSeconds(3), IssuerOutcome.Issue, HonourCancellation: true)).ConfigureAwait(false);
    using var session = harness.OpenSession();
    var watch = Stopwatch.StartNew();
    var result = session.Run("New-KvCertificate -VaultUri $VaultUri -Name 'bench-wait' -Subject 'CN=bench-wait' -IssuerName 'bench-ca' -Wait").ThrowIfErrors();
    var total = watch.Elapsed.TotalMilliseconds;
    var status = result.Output[0].Properties["Status"].Value;
    var polls = result.Progress.Count(p => p.RecordType != ProgressRecordType.Completed);
    Measure.Header("-Wait on a CA that completes after 3 s (default Retry-After of the local vault: 1 s)");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| return after completion | {total - 3000:0} ms | (CA delay 3000 ms) | | <= 1000 ms | {(total - 3000 <= 1000 ? "yes" : "NO")} |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| polls while waiting | {polls} in {total / 1000:0.0} s | | | <= 1 per second | {(polls <= Math.Ceiling(total / 1000) ? "yes" : "NO")} |"));
    Console.WriteLine($"Final status: {status}.");
}

static string Load()
{
    try
    {
        return File.ReadAllText("/proc/loadavg").Trim();
    }
    catch (IOException)
    {
        return "unknown";
    }
}

static Options ParseOptions(string[] args)
{
    var options = new Options();
    for (var i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--calls":
                options.Calls = int.Parse(args[++i], CultureInfo.InvariantCulture);
                break;
            case "--certificates":
                options.Certificates = int.Parse(args[++i], CultureInfo.InvariantCulture);
                break;
            case "--latency-ms":
                options.LatencyMs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                break;
            case "--creates":
                options.Creates = int.Parse(args[++i], CultureInfo.InvariantCulture);
                break;
            case "--sizes":
                options.Sizes = args[++i].Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList();
                break;
            case "--svg":
                options.SvgPath = args[++i];
                break;
            case "--pending":
                options.Pending = int.Parse(args[++i], CultureInfo.InvariantCulture);
                break;
            default:
                options.Scenarios.Add(args[i]);
                break;
        }
    }

    return options;
}

internal sealed class Options
{
    public HashSet<string> Scenarios { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int Calls { get; set; } = 200;

    public int Certificates { get; set; } = 1000;

    public int Pending { get; set; } = 200;

    public int Creates { get; set; } = 60;

    public int LatencyMs { get; set; } = 20;

    public IReadOnlyList<int> Sizes { get; set; } = [100, 500, 1000, 2000, 5000];

    public string SvgPath { get; set; } = Path.Combine(RepositoryPaths.Root, "docs", "scan-growth.svg");
}
