using System.Globalization;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.Hosting;
using KvCertPending.LocalVault;
using Xunit;

namespace KvCertPending.Tests;

/// <summary>
/// Every example in the compiled help runs, as Get-Help shows it, in the hosted PowerShell 7.6 engine against a fresh
/// local vault, and the test fails when it writes an error. One row per example. Each example gets the world its text
/// promises (see about_KvCertPending, EXAMPLES IN THIS HELP): $VaultUri and the AccessToken default (the hosting
/// library), the issuer objects mydigicert (signs after ~3 s), globalsign-ev (takes ten minutes) and oldca (fails),
/// the requests web01 (manual), api01 (mydigicert), order01 (globalsign-ev) and legacy01 (failed), and in the current
/// folder web01's signed chain (web01-chain.pem, web01.p7b, web01.cer, localca.cer, web01-x5c.txt) and policy.json.
/// One test class per cmdlet, so that xunit runs the cmdlets' examples in parallel.
/// </summary>
public static partial class HelpExamples
{
    /// <summary>The examples of one cmdlet, or of all when <paramref name="only"/> is null, read from the help sources.</summary>
    public static TheoryData<string, int> For(string? only)
    {
        var data = new TheoryData<string, int>();
        foreach (string cmdlet in RepoPaths.ExportedCmdlets.Where(c => only is null || c == only))
        {
            string markdown = File.ReadAllText(Path.Combine(RepoPaths.HelpSourceDirectory, cmdlet + ".md"));
            int count = ExampleHeading().Matches(markdown).Count;
            for (int number = 1; number <= count; number++)
            {
                data.Add(cmdlet, number);
            }
        }

        return data;
    }

    /// <summary>Runs example <paramref name="number"/> of <paramref name="cmdlet"/>, as Get-Help shows it, in its own vault.</summary>
    public static async Task RunAsync(string cmdlet, int number)
    {
        await using LocalVaultHarness harness = await LocalVaultHarness.StartAsync(configure: o => o.RetryAfterSeconds = 0);
        string folder = Path.Combine(harness.DataDirectory, "example");
        Directory.CreateDirectory(folder);
        await PrepareWorldAsync(harness, folder);

        using ModuleSession session = harness.OpenSession();
        session.Runspace.SessionStateProxy.Path.SetLocation(folder);
        var names = new Dictionary<string, object?> { ["ExampleCmdlet"] = cmdlet, ["ExampleNumber"] = number };
        PSObject codeObject = Assert.Single(session.Run("@((Get-Help -Name $ExampleCmdlet -Examples).examples.example)[$ExampleNumber - 1].code", names).ThrowIfErrors().Output);
        string code = codeObject.ToString();
        Assert.False(string.IsNullOrWhiteSpace(code), $"{cmdlet} example {number} has no code in Get-Help");

        ScriptResult result = session.Run(code);
        Assert.True(result.Errors.Count == 0,
            $"{cmdlet} example {number} wrote errors:{Environment.NewLine}{code}{Environment.NewLine}" +
            string.Join(Environment.NewLine, result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e.Exception?.Message}")));

        // What a console would show: the output objects through the module's format views, without a formatting error.
        if (result.Output.Count > 0)
        {
            ScriptResult shown = session.Render("$ExampleOutput", new Dictionary<string, object?> { ["ExampleOutput"] = result.Output.ToArray() });
            Assert.False(string.IsNullOrWhiteSpace(shown.ConsoleText), $"{cmdlet} example {number}: the output rendered as nothing");
            Assert.DoesNotContain("out-lineoutput", shown.ConsoleText, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static async Task PrepareWorldAsync(LocalVaultHarness harness, string folder)
    {
        // Three seconds: long enough that Stop example 2 always cancels before the CA signs, even on a loaded machine.
        await harness.CreateIssuerAsync("mydigicert", "DigiCert", new IssuerSimulation(TimeSpan.FromSeconds(3), IssuerOutcome.Issue, HonourCancellation: true));
        await harness.CreateIssuerAsync("globalsign-ev", "GlobalSign", new IssuerSimulation(TimeSpan.FromMinutes(10), IssuerOutcome.Issue, HonourCancellation: true));
        await harness.CreateIssuerAsync("oldca", "DigiCert", new IssuerSimulation(TimeSpan.FromMilliseconds(100), IssuerOutcome.Fail, HonourCancellation: true));
        // Connect-KvVault's device-code example: the local vault approves every code at once (no one to enter it).
        using (var approve = await harness.Http.PutAsync(new Uri(harness.VaultUri, "_localvault/devicelogin/auto-approve"), new StringContent("{\"user\":\"admin@contoso.com\"}", Encoding.UTF8, "application/json")))
        {
            approve.EnsureSuccessStatusCode();
        }


        CertificateClient client = harness.Certificates;
        CertificateOperation web01 = await client.StartCreateCertificateAsync("web01", new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=web01.contoso.com"));
        await client.StartCreateCertificateAsync("api01", new CertificatePolicy("mydigicert", "CN=api01.contoso.com"));
        await client.StartCreateCertificateAsync("order01", new CertificatePolicy("globalsign-ev", "CN=order01.contoso.com"));
        await client.StartCreateCertificateAsync("legacy01", new CertificatePolicy("oldca", "CN=legacy01.contoso.com"));

        IReadOnlyList<byte[]> chain = await harness.SignCsrAsync(web01.Properties.Csr);
        File.WriteAllText(Path.Combine(folder, "web01-chain.pem"), string.Concat(chain.Select(der => PemEncoding.WriteString("CERTIFICATE", der) + "\n")));
        File.WriteAllLines(Path.Combine(folder, "web01-x5c.txt"), chain.Select(Convert.ToBase64String));
        File.WriteAllBytes(Path.Combine(folder, "web01.cer"), chain[0]);
        File.WriteAllBytes(Path.Combine(folder, "localca.cer"), chain[^1]);
        var certificates = new X509Certificate2Collection(chain.Select(der => X509CertificateLoader.LoadCertificate(der)).ToArray());
        File.WriteAllBytes(Path.Combine(folder, "web01.p7b"), certificates.Export(X509ContentType.Pkcs7)!);
        foreach (X509Certificate2 certificate in certificates)
        {
            certificate.Dispose();
        }

        File.WriteAllText(Path.Combine(folder, "policy.json"), """
            {
              "key_props": { "kty": "RSA", "key_size": 2048, "exportable": true, "reuse_key": false },
              "secret_props": { "contentType": "application/x-pkcs12" },
              "x509_props": { "subject": "CN=db01.contoso.com", "sans": { "dns_names": [ "db01.contoso.com" ] }, "validity_months": 12 },
              "issuer": { "name": "Unknown" }
            }
            """, new UTF8Encoding(false));

        // legacy01 must already have failed for the examples that look for failed requests.
        DateTimeOffset deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            CertificateOperation legacy = await client.GetCertificateOperationAsync("legacy01");
            if (legacy.Properties.Status == "failed")
            {
                break;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, "legacy01 did not fail within 30 s; status " + legacy.Properties.Status);
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"^### Example \d+: ", RegexOptions.Multiline)]
    private static partial Regex ExampleHeading();
}

public sealed class NewKvCertificateHelpExampleTests
{
    public static TheoryData<string, int> Examples => HelpExamples.For("New-KvCertificate");

    [Theory]
    [MemberData(nameof(Examples))]
    public Task ExampleRunsAgainstTheLocalVault(string cmdlet, int number) => HelpExamples.RunAsync(cmdlet, number);
}

public sealed class GetKvPendingCertificateHelpExampleTests
{
    public static TheoryData<string, int> Examples => HelpExamples.For("Get-KvPendingCertificate");

    [Theory]
    [MemberData(nameof(Examples))]
    public Task ExampleRunsAgainstTheLocalVault(string cmdlet, int number) => HelpExamples.RunAsync(cmdlet, number);
}

public sealed class StopKvPendingCertificateHelpExampleTests
{
    public static TheoryData<string, int> Examples => HelpExamples.For("Stop-KvPendingCertificate");

    [Theory]
    [MemberData(nameof(Examples))]
    public Task ExampleRunsAgainstTheLocalVault(string cmdlet, int number) => HelpExamples.RunAsync(cmdlet, number);
}

public sealed class RemoveKvPendingCertificateHelpExampleTests
{
    public static TheoryData<string, int> Examples => HelpExamples.For("Remove-KvPendingCertificate");

    [Theory]
    [MemberData(nameof(Examples))]
    public Task ExampleRunsAgainstTheLocalVault(string cmdlet, int number) => HelpExamples.RunAsync(cmdlet, number);
}

public sealed class MergeKvCertificateHelpExampleTests
{
    public static TheoryData<string, int> Examples => HelpExamples.For("Merge-KvCertificate");

    [Theory]
    [MemberData(nameof(Examples))]
    public Task ExampleRunsAgainstTheLocalVault(string cmdlet, int number) => HelpExamples.RunAsync(cmdlet, number);
}

public sealed class ConnectKvVaultHelpExampleTests
{
    public static TheoryData<string, int> Examples => HelpExamples.For("Connect-KvVault");

    [Theory]
    [MemberData(nameof(Examples))]
    public Task ExampleRunsAgainstTheLocalVault(string cmdlet, int number) => HelpExamples.RunAsync(cmdlet, number);
}

public sealed class DisconnectKvVaultHelpExampleTests
{
    public static TheoryData<string, int> Examples => HelpExamples.For("Disconnect-KvVault");

    [Theory]
    [MemberData(nameof(Examples))]
    public Task ExampleRunsAgainstTheLocalVault(string cmdlet, int number) => HelpExamples.RunAsync(cmdlet, number);
}

/// <summary>Every exported cmdlet's examples are covered by one of the classes above.</summary>
public sealed class HelpExampleCoverageTests
{
    [Fact]
    public void EveryCmdletHasAnExampleTestClass()
    {
        var covered = typeof(HelpExampleCoverageTests).Assembly.GetTypes()
            .Where(t => t.Name.EndsWith("HelpExampleTests", StringComparison.Ordinal))
            .Select(t => t.Name[..^"HelpExampleTests".Length])
            .ToHashSet(StringComparer.Ordinal);
        foreach (string cmdlet in RepoPaths.ExportedCmdlets)
        {
            Assert.Contains(cmdlet.Replace("-", string.Empty, StringComparison.Ordinal), covered);
            Assert.True(HelpExamples.For(cmdlet).Count() >= 2, $"{cmdlet} has fewer than two examples");
        }
    }
}
