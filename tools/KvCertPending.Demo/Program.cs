using KvCertPending.Hosting;
using KvCertPending.LocalVault;

// The README's main job: a local vault on loopback, the built module in a hosted PowerShell 7.6 engine, and
// demo/demo.ps1 run as a console runs it (its output rendered through the module's format views).
//
//   dotnet run --project tools/KvCertPending.Demo [-- --data DIR]
//
// --data keeps the vault's state in DIR (otherwise a temporary folder is used and deleted at the end).
string? dataDirectory = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "--data" && i + 1 < args.Length)
    {
        dataDirectory = Path.GetFullPath(args[++i]);
    }
    else
    {
        Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: KvCertPending.Demo [--data DIR]");
        return 2;
    }
}

var script = Path.Combine(RepositoryPaths.Root, "demo", "demo.ps1");
var workDirectory = Directory.CreateTempSubdirectory("kvcertpending-demo-").FullName;
await using var vault = await LocalVaultHarness.StartAsync(dataDirectory);
Console.WriteLine($"Local vault: {vault.VaultUri} (TLS certificate: {vault.Server.TlsCertificatePemPath})");

// Issuer objects the demo uses; the module does not manage issuers, so the runner makes them through the SDK.
await vault.CreateIssuerAsync("demo-digicert", "DigiCert", new IssuerSimulation(TimeSpan.FromSeconds(2), IssuerOutcome.Issue, HonourCancellation: true));
await vault.CreateIssuerAsync("demo-slowca", "GlobalSign", new IssuerSimulation(TimeSpan.FromSeconds(60), IssuerOutcome.Issue, HonourCancellation: true));

using var session = vault.OpenSession(Console.Out, Math.Max(100, Console.IsOutputRedirected ? 120 : Console.WindowWidth));
session.SetVariable("DemoDirectory", workDirectory);
var result = session.Render("& $DemoScript", new Dictionary<string, object?> { ["DemoScript"] = script });
Directory.Delete(workDirectory, recursive: true);
if (result.Errors.Count > 0)
{
    Console.Error.WriteLine("The demo stopped on an unexpected error.");
    return 1;
}

return 0;
