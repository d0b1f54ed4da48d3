using System.Diagnostics;
using System.Management.Automation;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault;
using KvCertPending.Tests.Infrastructure;
using Xunit.Abstractions;

namespace KvCertPending.Tests.Reliability;

/// <summary>
/// A module test against a local vault with injected faults (LocalVaultServer.InjectFault): the real SDK through the
/// built module in hosted PowerShell, real HTTPS. Faults are vault-wide, so each test names its own path and every
/// test clears them at the end (the tests of one class run one after the other).
/// </summary>
public abstract class FaultTest : ModuleTest
{
    protected FaultTest(ModuleVault vault, ITestOutputHelper output)
        : base(vault)
    {
        Output = output;
        Vault.Harness.Server.ClearFaults();
    }

    protected ITestOutputHelper Output { get; }

    protected LocalVaultServer Server => Vault.Harness.Server;

    /// <summary>The next <paramref name="count"/> requests of this method under this path meet the fault.</summary>
    protected void Inject(VaultFaultKind kind, string method, string path, int count, int retryAfterSeconds = 1, TimeSpan latency = default) =>
        Server.InjectFault(new VaultFault(kind) { Method = method, PathPrefix = path, Count = count, RetryAfterSeconds = retryAfterSeconds, Latency = latency });

    /// <summary>How many faulty answers the injected counted faults still hold (0: each one was met).</summary>
    protected int FaultsRemaining()
    {
        var list = Vault.Harness.Http.GetFromJsonAsync<JsonObject>(new Uri("/_localvault/faults", UriKind.Relative)).GetAwaiter().GetResult()!;
        return list["value"]!.AsArray().Sum(f => f!["remaining"]?.GetValue<int>() ?? 0);
    }

    /// <summary>Waits (bounded) until the vault has met <paramref name="left"/> faults or fewer still to give.</summary>
    protected async Task WaitForFaultsRemainingAsync(int left)
    {
        for (var i = 0; i < 300 && FaultsRemaining() > left; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(FaultsRemaining() <= left, "the module never sent the request the fault waits for");
    }

    /// <summary>Runs a script and says how long it took.</summary>
    protected (PsResult Result, TimeSpan Elapsed) Timed(string script)
    {
        var clock = Stopwatch.StartNew();
        var result = Ps.Run(script);
        return (result, clock.Elapsed);
    }

    /// <summary>The versions the vault holds for a name (a doubled create would make two).</summary>
    protected async Task<int> VersionCountAsync(string name)
    {
        var count = 0;
        await foreach (var _ in Vault.Client.GetPropertiesOfCertificateVersionsAsync(name))
        {
            count++;
        }

        return count;
    }

    /// <summary>The name's pending object as the vault holds it, or null.</summary>
    protected async Task<CertificateOperationProperties?> PendingAsync(string name)
    {
        try
        {
            return (await Vault.Client.GetCertificateOperationAsync(name)).Properties;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>A manual request made by the test's own SDK client (not through the module).</summary>
    protected async Task<CertificateOperationProperties> CreateManualAsync(string name, string subject)
    {
        var operation = await Vault.Client.StartCreateCertificateAsync(name, new CertificatePolicy("Unknown", subject));
        return operation.Properties;
    }

    protected static void AssertError(ErrorRecord error, string id, ErrorCategory category)
    {
        Assert.StartsWith(id + ",", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(category, error.CategoryInfo.Category);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Server.ClearFaults();
        }

        base.Dispose(disposing);
    }
}
