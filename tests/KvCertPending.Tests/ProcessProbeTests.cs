using System.Diagnostics;
using System.Text.Json.Nodes;
using KvCertPending.Hosting;

namespace KvCertPending.Tests;

/// <summary>
/// Checks that need a fresh process (tools/KvCertPending.ProcessProbe hosts the PowerShell 7.6 engine; this test host already
/// has the Azure SDK loaded, and PATH is process-wide): what Import-Module loads, the module beside an OLDER Azure.Identity
/// and Azure.Core in the default load context (as Az.Accounts loads them), and -Interactive with a stand-in browser.
/// Every probe talks to a vault that accepts only tokens it issued.
/// </summary>
public sealed class ProcessProbeTests : IAsyncLifetime
{
    private const string Lifecycle = """
        $secret = [System.Security.SecureString]::new(); foreach ($c in 'probe-secret'.ToCharArray()) { $secret.AppendChar($c) }
        $null = Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -TenantId $tenant -Credential ([pscredential]::new('probe-app', $secret))
        New-KvCertificate -Name probe-cert -Subject 'CN=probe' | Get-KvPendingCertificate | Remove-KvPendingCertificate -Force -PassThru | ForEach-Object Name
        """;

    private static readonly string[] SdkAssemblies = ["Azure.Core", "Azure.Identity", "Azure.Security.KeyVault.Certificates", "Microsoft.Identity.Client"];

    private LocalVaultHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await SignInVault.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task ImportLoadsNoSdkAndTheFirstCommandLoadsItFromDependenciesIntoTheModulesContext()
    {
        var report = await RunProbeAsync(Lifecycle);

        AssertLifecycleRan(report);
        Assert.Empty(Names(report["beforeImport"]!));
        Assert.Empty(Names(report["afterImport"]!));

        var after = report["afterScript"]!.AsArray().Select(a => a!.AsObject()).ToList();
        var dependencies = Path.Combine(RepositoryPaths.ModuleDirectory, "Dependencies") + Path.DirectorySeparatorChar;
        foreach (var name in SdkAssemblies.Append("KvCertPending.Engine"))
        {
            var loaded = Assert.Single(after, a => (string?)a["name"] == name);
            Assert.Equal("KvCertPending", (string?)loaded["context"]);
            Assert.StartsWith(dependencies, (string?)loaded["location"], StringComparison.Ordinal);
        }

        Assert.DoesNotContain(after, a => (string?)a["context"] == "Default");
    }

    [Fact]
    public async Task AnOlderAzureIdentityInTheDefaultContextAndTheModuleBothWorkAndTheOlderStillWorksAfter()
    {
        var report = await RunProbeAsync(Lifecycle, "--older-sdk");

        AssertLifecycleRan(report);
        foreach (var phase in new[] { "olderSdkBefore", "olderSdkAfter" })
        {
            var older = report[phase]!;
            Assert.Equal(200, (int)older["vaultStatus"]!);
            Assert.Equal("Default", (string?)older["azureCore"]!["context"]);
            Assert.Equal("1.50.0.0", (string?)older["azureCore"]!["version"]);
            Assert.Equal("1.17.1.0", (string?)older["azureIdentity"]!["version"]);
        }

        // Two of each: the host's older copies in the default context, the module's own in its context.
        var after = report["afterScript"]!.AsArray().Select(a => a!.AsObject()).ToList();
        foreach (var name in new[] { "Azure.Core", "Azure.Identity", "Microsoft.Identity.Client" })
        {
            var copies = after.Where(a => (string?)a["name"] == name).ToList();
            Assert.Equal(2, copies.Count);
            var older = Assert.Single(copies, a => (string?)a["context"] == "Default");
            var ours = Assert.Single(copies, a => (string?)a["context"] == "KvCertPending");
            Assert.True(Version.Parse((string)older["version"]!) < Version.Parse((string)ours["version"]!), name + ": the module's copy is the newer one");
        }
    }

    [Fact]
    public async Task InteractiveSignInOpensTheSystemBrowserWhichRedirectsBackToMsalsLoopbackListener()
    {
        var curl = new[] { "/usr/bin/curl", "/bin/curl" }.FirstOrDefault(File.Exists);
        Assert.True(curl is not null, "the stand-in browser uses curl");
        var browserDirectory = Path.Combine(_harness.DataDirectory, "fake-browser");
        Directory.CreateDirectory(browserDirectory);
        var log = Path.Combine(browserDirectory, "opened.log");
        var browser = Path.Combine(browserDirectory, "xdg-open");

        // MSAL on Linux opens the sign-in page with the first of xdg-open, gnome-open, kfmclient, microsoft-edge, wslview found
        // on PATH, then listens on http://localhost:PORT for the answer, which it asks for as a form post (response_mode=form_post).
        // This xdg-open is a browser reduced to what that takes: it loads the page (trusting exactly the vault's certificate) and
        // submits its form as the page's onload would, to the action URI with the hidden fields (MSAL may not be listening yet
        // when it starts: connection refusals are retried).
        await File.WriteAllTextAsync(browser, $$"""
            #!/bin/sh
            echo "$1" >> '{{log}}'
            page=$({{curl}} --silent --show-error --fail --cacert '{{_harness.Server.TlsCertificatePemPath}}' "$1") || exit 1
            action=$(printf '%s' "$page" | sed -n 's/.*<form method="POST" action="\([^"]*\)".*/\1/p' | sed 's/&amp;/\&/g')
            set --
            for field in $(printf '%s' "$page" | sed -n 's/.*<input type="hidden" name="\([^"]*\)" value="\([^"]*\)".*/\1=\2/p'); do
              set -- "$@" --data-urlencode "$field"
            done
            exec {{curl}} --silent --show-error --retry 30 --retry-connrefused --retry-delay 1 --output /dev/null "$@" "$action"

            """);
        if (!OperatingSystem.IsLinux())
        {
            Assert.Fail("This test drives MSAL's Linux browser launch (xdg-open on PATH).");
            return;
        }

        File.SetUnixFileMode(browser, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var report = await RunProbeAsync(
            """
            Connect-KvVault -VaultUri $VaultUri -Interactive -TenantId $tenant | ForEach-Object { $_.SignIn; $_.Account }
            New-KvCertificate -Name browser-cert -Subject 'CN=browser' | Remove-KvPendingCertificate -Force -PassThru | ForEach-Object Name
            """,
            environment: new Dictionary<string, string?>
            {
                ["PATH"] = browserDirectory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
                ["SUDO_USER"] = null, // MSAL refuses to open a browser under sudo
            });

        Assert.True(report["errors"]!.AsArray().Count == 0, report["errors"]!.ToJsonString());
        Assert.Equal(["Interactive", "admin@localvault.test", "browser-cert"], report["output"]!.AsArray().Select(o => (string?)o));
        Assert.Contains(report["warnings"]!.AsArray(), w => ((string?)w)!.StartsWith("Opening the system web browser", StringComparison.Ordinal));

        var opened = Assert.Single(await File.ReadAllLinesAsync(log));
        Assert.StartsWith(_harness.VaultUri.AbsoluteUri + _harness.Server.TenantId + "/oauth2/v2.0/authorize?", opened, StringComparison.Ordinal);
        Assert.Contains("code_challenge_method=S256", opened, StringComparison.Ordinal);
        Assert.Contains("redirect_uri=http%3A%2F%2Flocalhost", opened, StringComparison.Ordinal);
    }

    private static void AssertLifecycleRan(JsonNode report)
    {
        Assert.Null(report["terminatingError"]);
        Assert.True(report["errors"]!.AsArray().Count == 0, report["errors"]!.ToJsonString());
        Assert.Equal(["probe-cert"], report["output"]!.AsArray().Select(o => (string?)o));
    }

    private static IEnumerable<string?> Names(JsonNode assemblies) => assemblies.AsArray().Select(a => (string?)a!["name"]);

    private async Task<JsonNode> RunProbeAsync(string script, string? extraArgument = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var scriptPath = Path.Combine(_harness.DataDirectory, "probe-" + Guid.NewGuid().ToString("N") + ".ps1");
        await File.WriteAllTextAsync(scriptPath, script);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            ProbePath, "--module", RepositoryPaths.ModuleManifest, "--vault", _harness.VaultUri.AbsoluteUri,
            "--trust", _harness.Server.TlsCertificatePemPath, "--tenant", _harness.Server.TenantId, "--script", scriptPath,
        })
        {
            start.ArgumentList.Add(argument);
        }

        if (extraArgument is not null)
        {
            start.ArgumentList.Add(extraArgument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = await stdout;
        var line = text.Split('\n').SingleOrDefault(l => l.StartsWith("PROBE-REPORT ", StringComparison.Ordinal));
        Assert.True(process.ExitCode == 0 && line is not null, $"probe exit {process.ExitCode}\n{text}\n{await stderr}");
        return JsonNode.Parse(line!["PROBE-REPORT ".Length..])!;
    }

    /// <summary>The probe built beside this test assembly's configuration (bin/Debug or bin/Release).</summary>
    private static string ProbePath
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            var path = Path.Combine(RepositoryPaths.Root, "tools", "KvCertPending.ProcessProbe", "bin", configuration, "net10.0", "KvCertPending.ProcessProbe.dll");
            Assert.True(File.Exists(path), "The probe is built with the tests: " + path);
            return path;
        }
    }
}
