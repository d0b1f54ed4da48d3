using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Net;
using System.Security;
using Azure;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.Hosting;
using KvCertPending.LocalVault;

namespace KvCertPending.Bench;

/// <summary>The module's scenarios of issue 6: per-call overhead (2), the vault-wide scan (3) and its growth curve.</summary>
internal static class ModuleScenarios
{
    private const string ScanScript = "@(Get-KvPendingCertificate -VaultUri $VaultUri).Count";

    /// <summary>
    /// 2. Get-KvPendingCertificate N times against GetCertificateOperation N times, on one local vault. The SDK call is
    /// timed from C# (what issue 6 names) and from the same PowerShell script loop as the cmdlet (so both sides pay for the
    /// loop and the method call from script). Two more sides split the module's cost: its engine's call alone, made from
    /// the same loop (reflection into the loaded module: the same client, policies and Azure.Core build the cmdlet uses),
    /// and a do-nothing binary cmdlet with the same parameters and -AccessToken default (what PowerShell costs any cmdlet).
    /// </summary>
    /// <remarks>
    /// <para>
    /// Two phases on loopback, both reported. Cold: the first N calls of each side in the fresh process (after one call
    /// that loads the SDK), what a short runbook pays while .NET's tiered JIT is still compiling. Steady: after every side
    /// has made <paramref name="warmup"/> calls (the module's path runs through far more methods, PowerShell's binder among
    /// them, and they reach their optimized code later: session 3's figures, taken after 20 calls, were mostly that), 7
    /// interleaved rounds of N calls. Ratios are the median of the per-round ratios: the load of a shared machine moves
    /// both sides of a round together, far less than it moves either between rounds.
    /// </para>
    /// <para>
    /// The floor is what any binary cmdlet would score: the SDK's request plus PowerShell's cost of a cmdlet that does
    /// nothing. Sustained: each side alone for 20 x N calls in one go, without the interleaving. Then the module and the
    /// SDK from C# again, with <paramref name="latencyMs"/> added to every request by the vault, as a vault across a
    /// network adds far more.
    /// </para>
    /// </remarks>
    public static async Task PerCallAsync(int calls, int warmup, int latencyMs)
    {
        await using var bench = await PerCallBench.StartAsync().ConfigureAwait(false);
        var (client, session, variables) = (bench.Client, bench.Session, bench.Variables);
        var scripts = PerCallBench.Sides;
        var module = scripts.Single(s => s.Name == "module");

        // Wall time, and the process's CPU time (client, PowerShell and the in-process vault together), which a loaded
        // machine distorts less: waiting for a core does not count.
        var process = Process.GetCurrentProcess();
        async Task<Dictionary<string, (double Wall, double Cpu)>> RoundAsync(int n, IEnumerable<(string Name, string Script)> sides)
        {
            variables["Calls"] = n;
            var round = new Dictionary<string, (double, double)>();
            foreach (var (name, script) in sides)
            {
                process.Refresh();
                var before = process.TotalProcessorTime;
                var wall = Measure.Milliseconds(() => session.Run(script, variables).ThrowIfErrors());
                process.Refresh();
                round[name] = (wall / n, (process.TotalProcessorTime - before).TotalMilliseconds / n);
            }

            process.Refresh();
            var sdkBefore = process.TotalProcessorTime;
            var sdkWall = await Measure.MillisecondsAsync(async () =>
            {
                for (var i = 0; i < n; i++)
                {
                    await client.GetCertificateOperationAsync("bench-one").ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
            process.Refresh();
            round["sdk-from-csharp"] = (sdkWall / n, (process.TotalProcessorTime - sdkBefore).TotalMilliseconds / n);
            return round;
        }

        var cold = await RoundAsync(calls, scripts).ConfigureAwait(false);
        for (var done = 0; done < warmup; done += calls)
        {
            await RoundAsync(Math.Min(calls, warmup - done), scripts).ConfigureAwait(false);
        }

        // Seven rounds, interleaved, medians: a burst of load from elsewhere hits every side alike.
        var rounds = new List<Dictionary<string, (double Wall, double Cpu)>>();
        for (var round = 0; round < 7; round++)
        {
            rounds.Add(await RoundAsync(calls, scripts).ConfigureAwait(false));
        }

        // Sustained: each side alone for 20 rounds' worth of calls in one go (all already warm). The interleaved rounds
        // switch code paths every N calls, and the module's path, the longest, pays most for what the others evict.
        var sustained = await RoundAsync(calls * 20, scripts).ConfigureAwait(false);
        double S(string name) => sustained[name].Wall;

        // Then with latency: fewer calls (each now takes milliseconds), the module and the SDK from C# only.
        bench.VaultOptions.ResponseLatency = TimeSpan.FromMilliseconds(latencyMs);
        var networkCalls = Math.Min(calls, 200);
        var networkRounds = new List<Dictionary<string, (double Wall, double Cpu)>>();
        for (var round = 0; round < 5; round++)
        {
            networkRounds.Add(await RoundAsync(networkCalls, [module]).ConfigureAwait(false));
        }

        double M(string name) => Measure.Median(rounds.Select(r => r[name].Wall).ToList());
        double C(string name) => Measure.Median(rounds.Select(r => r[name].Cpu).ToList());
        double R(string name, string baseline) => Measure.Median(rounds.Select(r => r[name].Wall / r[baseline].Wall).ToList());
        var floor = Measure.Median(rounds.Select(r => (r["sdk-from-csharp"].Wall + r["noop-cmdlet"].Wall) / r["sdk-from-csharp"].Wall).ToList());
        var network = Measure.Median(networkRounds.Select(r => r["module"].Wall / r["sdk-from-csharp"].Wall).ToList());
        double N(string name) => Measure.Median(networkRounds.Select(r => r[name].Wall).ToList());

        Measure.Header($"Per-call overhead ({calls} calls, one local vault; steady: after {warmup} warm-up calls per side, 7 interleaved rounds, medians of values and of per-round ratios)");
        Measure.Row("Get-KvPendingCertificate vs GetCertificateOperation from C# (the issue's baseline), steady", M("module"), M("sdk-from-csharp"), R("module", "sdk-from-csharp"), "ms", "<= 1.2x", R("module", "sdk-from-csharp") <= 1.2);
        Measure.Row("Get-KvPendingCertificate vs GetCertificateOperation from the same script loop, steady", M("module"), M("sdk-from-script"), R("module", "sdk-from-script"), "ms", "<= 1.2x", R("module", "sdk-from-script") <= 1.2);
        Measure.Row("the floor of any binary cmdlet: the SDK's request + the do-nothing cmdlet, vs the SDK from C#, steady", M("sdk-from-csharp") + M("noop-cmdlet"), M("sdk-from-csharp"), floor, "ms", "(reported)", true);
        Measure.Row("the module's engine call alone, same loop, vs GetCertificateOperation from the same loop, steady", M("engine-from-script"), M("sdk-from-script"), R("engine-from-script", "sdk-from-script"), "ms", "(reported)", true);
        Measure.Row("do-nothing binary cmdlet, same parameters and loop (PowerShell's own cost), steady", M("noop-cmdlet"), M("sdk-from-csharp"), R("noop-cmdlet", "sdk-from-csharp"), "ms", "(reported)", true);
        Measure.Row($"Get-KvPendingCertificate vs GetCertificateOperation from C#, sustained (each side alone for {calls * 20} calls)", S("module"), S("sdk-from-csharp"), "ms", "<= 1.2x", S("module") / S("sdk-from-csharp") <= 1.2);
        Measure.Row($"Get-KvPendingCertificate vs GetCertificateOperation from C#, {latencyMs} ms added per request (a vault across a network; {networkCalls} calls, median of 5 rounds)", N("module"), N("sdk-from-csharp"), network, "ms", "<= 1.2x", network <= 1.2);
        Measure.Row($"Get-KvPendingCertificate vs GetCertificateOperation from C#, cold (the first {calls} calls of the process)", cold["module"].Wall, cold["sdk-from-csharp"].Wall, "ms", "(reported)", true);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Steady breakdown per call (wall): SDK request {M("sdk-from-csharp"):0.000} ms; the module's engine call from script {M("engine-from-script"):0.000} ms; PowerShell's cost of any binary cmdlet {M("noop-cmdlet"):0.000} ms; the module's own work {M("module") - M("noop-cmdlet") - M("engine-from-script"):0.000} ms. The 1.2x target leaves {(1.2 - floor) * M("sdk-from-csharp"):0.000} ms per call above the floor."));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Sustained breakdown per call (wall): SDK request {S("sdk-from-csharp"):0.000} ms; the module's engine call from script {S("engine-from-script"):0.000} ms; PowerShell's cost of any binary cmdlet {S("noop-cmdlet"):0.000} ms; the module's own work {S("module") - S("noop-cmdlet") - S("engine-from-script"):0.000} ms; floor {(S("sdk-from-csharp") + S("noop-cmdlet")) / S("sdk-from-csharp"):0.00}x."));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Steady CPU per call (whole process, vault included): module {C("module"):0.000} ms, SDK from the script loop {C("sdk-from-script"):0.000} ms, engine from the script loop {C("engine-from-script"):0.000} ms, SDK from C# {C("sdk-from-csharp"):0.000} ms, do-nothing cmdlet {C("noop-cmdlet"):0.000} ms; ratio module / SDK from C# {C("module") / C("sdk-from-csharp"):0.00}x."));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Cold ({calls} calls each, first in the process): module {cold["module"].Wall:0.000} ms, SDK from C# {cold["sdk-from-csharp"].Wall:0.000} ms, SDK from script {cold["sdk-from-script"].Wall:0.000} ms, engine from script {cold["engine-from-script"].Wall:0.000} ms, do-nothing cmdlet {cold["noop-cmdlet"].Wall:0.000} ms."));
    }

    /// <summary>
    /// One side of the per-call scenario alone in this fresh process, for a profiler: 20 x N calls of warm-up, then the
    /// process id on stderr, then 40 x N calls timed (e.g. <c>perf record -e cpu-clock -g -p PID</c>, with
    /// DOTNET_PerfMapEnabled=1 for the JIT's symbols).
    /// </summary>
    public static async Task PerCallAloneAsync(string side, int calls)
    {
        await using var bench = await PerCallBench.StartAsync().ConfigureAwait(false);
        var script = PerCallBench.Sides.FirstOrDefault(s => s.Name == side).Script
            ?? throw new ArgumentException($"--side is one of: {string.Join(", ", PerCallBench.Sides.Select(s => s.Name))}.");
        bench.Variables["Calls"] = calls * 20;
        bench.Session.Run(script, bench.Variables).ThrowIfErrors();
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm; measuring now in process {Environment.ProcessId}"));
        bench.Variables["Calls"] = calls * 40;
        var ms = Measure.Milliseconds(() => bench.Session.Run(script, bench.Variables).ThrowIfErrors());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{side} alone in a fresh process: {ms / (calls * 40):0.000} ms per call ({calls * 40} calls after {calls * 20} warm-up calls)"));
    }

    /// <summary>The per-call scenario's vault, session and sides (PowerShell loops over $Calls).</summary>
    private sealed class PerCallBench : IAsyncDisposable
    {
        public static readonly (string Name, string Script)[] Sides =
        [
            ("module", "for ($i = 0; $i -lt $Calls; $i++) { $null = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'bench-one' }"),
            ("sdk-from-script", "for ($i = 0; $i -lt $Calls; $i++) { $null = $Client.GetCertificateOperation('bench-one') }"),
            ("engine-from-script", "for ($i = 0; $i -lt $Calls; $i++) { $null = $Engine.Get('bench-one') }"),
            ("noop-cmdlet", "for ($i = 0; $i -lt $Calls; $i++) { $null = Get-KvBenchNoop -VaultUri $VaultUri -Name 'bench-one' }"),
        ];

        private readonly LocalVaultHarness _harness;

        private PerCallBench(LocalVaultHarness harness, LocalVaultOptions options, ModuleSession session)
        {
            _harness = harness;
            VaultOptions = options;
            Session = session;
        }

        public LocalVaultOptions VaultOptions { get; }

        public ModuleSession Session { get; }

        public CertificateClient Client => _harness.Certificates;

        public Dictionary<string, object?> Variables { get; } = new();

        /// <summary>A vault with one pending request, a session with the module and the do-nothing cmdlet, one call of each.</summary>
        public static async Task<PerCallBench> StartAsync()
        {
            LocalVaultOptions? options = null;
            var harness = await LocalVaultHarness.StartAsync(configure: o => options = o).ConfigureAwait(false);
            var bench = new PerCallBench(harness, options!, harness.OpenSession());
            await bench.Client.StartCreateCertificateAsync("bench-one", new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=bench-one")).ConfigureAwait(false);
            using (var import = bench.Session.CreatePowerShell())
            {
                import.AddCommand("Import-Module").AddParameter("Assembly", typeof(NoopCommand).Assembly).Invoke();
            }

            bench.Variables["Calls"] = 1;
            bench.Variables["Client"] = bench.Client;
            bench.Session.Run("$null = Get-KvPendingCertificate -VaultUri $VaultUri -Name 'bench-one'", bench.Variables).ThrowIfErrors();
            bench.Variables["Engine"] = EngineCall.Open(bench.Session, harness.VaultUri);
            await bench.Client.GetCertificateOperationAsync("bench-one").ConfigureAwait(false);
            return bench;
        }

        public async ValueTask DisposeAsync()
        {
            Session.Dispose();
            await _harness.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>3. Vault-wide scan: every pending request in a vault of N certificates, P of them pending.</summary>
    public static async Task ScanAsync(int certificates, int pending, int latencyMs)
    {
        await using var vault = await ScanVault.StartAsync().ConfigureAwait(false);
        var share = (double)pending / certificates;
        var setup = await Measure.MillisecondsAsync(() => vault.Fixture.GrowToAsync(certificates, share)).ConfigureAwait(false);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(scan setup: {certificates} certificates, {Fixture.PendingAmong(certificates, share)} pending, seeded in {setup / 1000:0.0} s without latency)"));
        var result = await vault.MeasureAsync(latencyMs, sdkLoop: true).ConfigureAwait(false);
        Measure.Header($"Vault-wide scan ({certificates} certificates, {pending} pending, {latencyMs} ms added per request; module found {result.ModuleFound}, SDK loop found {result.SdkFound})");
        Measure.Row("Get-KvPendingCertificate (all) vs sequential SDK loop", result.ModuleMs, result.SdkMs, "ms", ">= 10x faster (ratio <= 0.1)", result.ModuleMs / result.SdkMs <= 0.1);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.SdkMs / result.ModuleMs:0.0}x faster. Working-set growth during the module's scan (sampled every 5 ms): {result.GrowthMb:0.0} MB (target < 100 MB)."));
    }

    /// <summary>
    /// The growth curve: module scan and sequential SDK loop at each size (20% pending), on one vault grown between
    /// sizes. Writes the table, the time per certificate (linearity) and an SVG plot.
    /// </summary>
    public static async Task GrowthAsync(IReadOnlyList<int> sizes, int latencyMs, string svgPath)
    {
        const double Share = 0.2;
        await using var vault = await ScanVault.StartAsync().ConfigureAwait(false);
        var points = new List<GrowthPoint>();
        foreach (var size in sizes.Order())
        {
            var setup = await Measure.MillisecondsAsync(() => vault.Fixture.GrowToAsync(size, Share)).ConfigureAwait(false);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"growth: {size} certificates seeded in {setup / 1000:0.0} s, load {Load.Average()}"));
            var result = await vault.MeasureAsync(latencyMs, sdkLoop: true, listingAlone: true).ConfigureAwait(false);
            points.Add(new GrowthPoint(size, Fixture.PendingAmong(size, Share), result));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"growth: {size}: module {result.ModuleMs:0} ms, SDK loop {result.SdkMs:0} ms, listing alone {result.ListingMs:0} ms"));
        }

        Console.WriteLine();
        Console.WriteLine($"### Scan growth ({latencyMs} ms added per request, 20% pending, load {Load.Average()})");
        Console.WriteLine();
        Console.WriteLine("| certificates | pending (module / SDK found) | module | SDK loop | faster | module per certificate | SDK per certificate | listing alone (SDK, pages in turn) | listing per page | module memory growth |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var p in points)
        {
            var r = p.Result;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Certificates} | {p.Pending} ({r.ModuleFound} / {r.SdkFound}) | {r.ModuleMs:0} ms | {r.SdkMs:0} ms | {r.SdkMs / r.ModuleMs:0.0}x | {r.ModuleMs / p.Certificates:0.00} ms | {r.SdkMs / p.Certificates:0.00} ms | {r.ListingMs:0} ms | {r.ListingMs / Math.Ceiling(p.Certificates / 25.0):0.0} ms | {r.GrowthMb:0.0} MB |"));
        }

        GrowthPlot.Write(svgPath, points, latencyMs);
        Console.WriteLine();
        Console.WriteLine($"Plot written to {svgPath}.");
    }

    /// <summary>A local vault for scans: latency is off while seeding and switched on for the measurement.</summary>
    private sealed class ScanVault : IAsyncDisposable
    {
        private readonly LocalVaultHarness _harness;
        private readonly LocalVaultOptions _options;
        private readonly ModuleSession _session;

        private ScanVault(LocalVaultHarness harness, LocalVaultOptions options)
        {
            _harness = harness;
            _options = options;
            _session = harness.OpenSession();
            Fixture = new Fixture(harness.Certificates);
        }

        public Fixture Fixture { get; }

        public static async Task<ScanVault> StartAsync()
        {
            LocalVaultOptions? options = null;
            var harness = await LocalVaultHarness.StartAsync(configure: o => options = o).ConfigureAwait(false);
            return new ScanVault(harness, options!);
        }

        /// <summary>One module scan (after one warm-up scan) and, if asked, one sequential SDK loop, with the latency on.</summary>
        public async Task<ScanResult> MeasureAsync(int latencyMs, bool sdkLoop, bool listingAlone = false)
        {
            // The vault reads its options on every request: the latency applies from the next request on.
            _options.ResponseLatency = TimeSpan.FromMilliseconds(latencyMs);
            try
            {
                _session.Run(ScanScript).ThrowIfErrors();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var before = Environment.WorkingSet;
                long peak = before;
                using var stop = new CancellationTokenSource();
                var sampler = Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        peak = Math.Max(peak, Environment.WorkingSet);
                        await Task.Delay(5, CancellationToken.None).ConfigureAwait(false);
                    }
                });
                long found = 0;
                var module = Measure.Milliseconds(() => found = Convert.ToInt64(_session.Run(ScanScript).ThrowIfErrors().Output[0].BaseObject, CultureInfo.InvariantCulture));
                await stop.CancelAsync().ConfigureAwait(false);
                await sampler.ConfigureAwait(false);
                peak = Math.Max(peak, Environment.WorkingSet);

                long sdkFound = 0;
                var sdk = double.NaN;
                if (sdkLoop)
                {
                    var client = _harness.Certificates;
                    sdk = await Measure.MillisecondsAsync(async () =>
                    {
                        await foreach (var properties in client.GetPropertiesOfCertificatesAsync(includePending: true).ConfigureAwait(false))
                        {
                            try
                            {
                                await client.GetCertificateOperationAsync(properties.Name).ConfigureAwait(false);
                                sdkFound++;
                            }
                            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
                            {
                                // Not pending.
                            }
                        }
                    }).ConfigureAwait(false);
                }

                // The listing alone (every page in turn, no pending reads): the floor of any scan that must list first.
                var listing = double.NaN;
                if (listingAlone)
                {
                    var client = _harness.Certificates;
                    listing = await Measure.MillisecondsAsync(async () =>
                    {
                        await foreach (var unused in client.GetPropertiesOfCertificatesAsync(includePending: true).ConfigureAwait(false))
                        {
                            // Names only.
                        }
                    }).ConfigureAwait(false);
                }

                return new ScanResult(module, found, sdk, sdkFound, (peak - before) / (1024.0 * 1024.0), listing);
            }
            finally
            {
                _options.ResponseLatency = TimeSpan.Zero;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _session.Dispose();
            await _harness.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>One scan measurement.</summary>
internal sealed record ScanResult(double ModuleMs, long ModuleFound, double SdkMs, long SdkFound, double GrowthMb, double ListingMs = double.NaN);

/// <summary>One size of the growth curve.</summary>
internal sealed record GrowthPoint(int Certificates, int Pending, ScanResult Result);

/// <summary>/proc/loadavg, for the first line of every table.</summary>
internal static class Load
{
    public static string Average()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}

/// <summary>
/// A cmdlet that does nothing but what PowerShell does for every binary cmdlet: the same parameters as
/// Get-KvPendingCertificate -VaultUri -Name, bound the same way (its name matches the '*-Kv*:AccessToken' default).
/// </summary>
[Cmdlet(VerbsCommon.Get, "KvBenchNoop")]
public sealed class NoopCommand : PSCmdlet
{
    private static readonly object Result = new();

    /// <summary>As on the module's cmdlets.</summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? VaultUri { get; set; }

    /// <summary>As on the module's cmdlets.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>As on the module's cmdlets; bound from $PSDefaultParameterValues.</summary>
    [Parameter]
    [ValidateNotNull]
    public SecureString? AccessToken { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord() => WriteObject(Result);
}
