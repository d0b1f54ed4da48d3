using KvCertPending.Hosting;
using KvCertPending.LocalVault;
using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>demo/demo.ps1 runs start to end in the hosted engine, against a vault with the two issuers the runner makes.</summary>
public sealed class DemoScriptTests : IClassFixture<ModuleVault>
{
    private readonly ModuleVault _vault;

    public DemoScriptTests(ModuleVault vault) => _vault = vault;

    [Fact]
    public async Task DemoRunsWithoutUnexpectedErrorsAndShowsEachStep()
    {
        await _vault.Harness.CreateIssuerAsync("demo-digicert", "DigiCert", new IssuerSimulation(TimeSpan.FromMilliseconds(500), IssuerOutcome.Issue, true));
        await _vault.Harness.CreateIssuerAsync("demo-slowca", "GlobalSign", new IssuerSimulation(TimeSpan.FromSeconds(60), IssuerOutcome.Issue, true));
        var work = Chains.TempDirectory();
        try
        {
            using var ps = _vault.OpenSession(width: 120);
            ps.SetVariable("DemoDirectory", work);
            ps.SetVariable("DemoScript", Path.Combine(RepositoryPaths.Root, "demo", "demo.ps1"));
            var result = ps.Render("& $DemoScript");
            result.AssertNoErrors();
            var text = result.ConsoleText;
            Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
            foreach (var expected in new[]
            {
                "=== 1.", "-----BEGIN CERTIFICATE REQUEST-----", "CN=demo-manual.contoso.test", "completed",
                "=== 2.", "demo-digicert", "=== 3.", "demo-slowca", "True", "cancelled",
                "=== 4.", "PendingCertificateNotFound", "=== 5.", "PendingCertificateInProgress", "ResourceExists", "Remove-KvPendingCertificate",
                "=== 6.",
            })
            {
                Assert.Contains(expected, text, StringComparison.Ordinal);
            }

            // Run twice on the same vault: the demo cleans up after itself, so a second run conflicts with nothing.
            ps.Render("& $DemoScript").AssertNoErrors();
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
