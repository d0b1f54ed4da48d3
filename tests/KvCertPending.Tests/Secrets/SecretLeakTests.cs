using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using KvCertPending.Hosting;
using KvCertPending.LocalVault;
using KvCertPending.Tests.Infrastructure;
using Xunit.Abstractions;

namespace KvCertPending.Tests.Secrets;

/// <summary>
/// Issue 7 item 5: every cmdlet (the five and Connect/Disconnect-KvVault) with -Verbose -Debug, succeeding, failing on
/// injected faults and failing on bad input; every stream, every output object, the console text as rendered, and every
/// log entry of the local vault (all levels) are searched for the client secret, the PFX password, the PFX and its key,
/// the access token, a certificate's private key, and any 16-character piece of them, as well as any PEM private key
/// and any JWT.
/// </summary>
public sealed class SecretLeakTests : IAsyncLifetime
{
    private readonly ITestOutputHelper _output;
    private SecretsVault _vault = null!;

    public SecretLeakTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync() => _vault = await SecretsVault.StartAsync();

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    [Fact]
    public async Task NoSecretInAnyStreamOutputConsoleOrVaultLogWhetherCmdletsSucceedOrFail()
    {
        var harness = _vault.Harness;
        var directory = Path.Combine(harness.DataDirectory, "secrets-test");
        Directory.CreateDirectory(directory);
        var clientSecret = "cs-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        var pfxPassword = "pw-" + Guid.NewGuid().ToString("N");
        var wrongToken = "wrong-token-" + Guid.NewGuid().ToString("N");
        using var spKey = RSA.Create(2048);
        using var spCertificate = new CertificateRequest("CN=kvcertpending-secrets-sp", spKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = spCertificate.Export(X509ContentType.Pfx, pfxPassword);
        var pfxPath = Path.Combine(directory, "sp.pfx");
        await File.WriteAllBytesAsync(pfxPath, pfx);

        var scanner = new SecretScanner()
            .Add("client secret", clientSecret)
            .Add("PFX password", pfxPassword)
            .Add("PFX bytes (base64)", Convert.ToBase64String(pfx))
            .Add("sign-in key (PKCS#8 base64)", Convert.ToBase64String(spKey.ExportPkcs8PrivateKey()))
            .Add("access token", _vault.Token)
            .Add("refused token", wrongToken)
            .ExceptPublic(spCertificate.RawData);

        using var ps = SignInVault.OpenWithoutToken(harness);
        ps.SetVariable("tenant", harness.Server.TenantId);
        ps.SetVariable("spCredential", new PSCredential("aaaaaaaa-1111-2222-3333-444444444444", SignInVault.Secure(clientSecret)));
        ps.SetVariable("pfxPath", pfxPath);
        ps.SetVariable("pfxPassword", SignInVault.Secure(pfxPassword));
        ps.SetVariable("token", SignInVault.Secure(_vault.Token));
        ps.SetVariable("wrongToken", SignInVault.Secure(wrongToken));
        ps.SetVariable("badUri", $"https://kvuser:{pfxPassword}@localhost:{harness.Server.Port}/certificates");

        var steps = new List<(string Step, string Text, int Errors)>();
        void Step(string script)
        {
            // -Debug makes PowerShell ask before going on after a warning ("Confirm / Continue with this operation?"): say yes.
            ps.Session.Host.ScriptedChoices.Clear();
            for (var i = 0; i < 8; i++)
            {
                ps.Session.Host.ScriptedChoices.Enqueue("Y");
            }

            // Everything the step writes (output and all six streams) is captured as objects, then rendered as a console shows it.
            var run = ps.Session.Run($"$global:kvStep = @(& {{ {script} }} *>&1); $global:kvStep");
            var rendered = ps.Session.Render("$global:kvStep");
            var errors = run.Errors.Count + run.Output.Count(o => o.BaseObject is ErrorRecord);
            steps.Add((script, SecretScanner.Flatten(run) + "\n" + SecretScanner.Flatten(rendered), errors));
        }

        const string Both = "-Verbose -Debug";

        // Sign in with a service principal's secret, then work.
        Step($"Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -TenantId $tenant -Credential $spCredential {Both}");
        Step($"New-KvCertificate -Name leak-manual -Subject 'CN=leak-manual' {Both}");
        Step($"Get-KvPendingCertificate -Name leak-manual {Both}; Get-KvPendingCertificate {Both}");
        Step($"New-KvCertificate -Name leak-exportable -IssuerName Self -Subject 'CN=leak-exportable' -ContentType application/x-pem-file -Wait {Both}");

        // The exportable certificate's private key, read the only way it can be (its secret), joins the secrets; its
        // whole PEM (key and certificate) becomes a "chain" file given to Merge-KvCertificate by mistake.
        var (status, body) = await _vault.GetAsync("/secrets/leak-exportable");
        Assert.Equal(200, status);
        var secretPem = JsonDocument.Parse(body).RootElement.GetProperty("value").GetString()!;
        var keyBlock = PemEncoding.Find(secretPem.AsSpan()[secretPem.IndexOf("-----BEGIN PRIVATE KEY", StringComparison.Ordinal)..]);
        var keyStart = secretPem.IndexOf("-----BEGIN PRIVATE KEY", StringComparison.Ordinal);
        scanner.Add("certificate private key (PEM body)", secretPem.Substring(keyStart + keyBlock.Base64Data.Start.Value, keyBlock.Base64Data.End.Value - keyBlock.Base64Data.Start.Value).ReplaceLineEndings(string.Empty));
        scanner.ExceptPublic(X509Certificate2.CreateFromPem(secretPem).RawData);
        var withKeyPath = Path.Combine(directory, "with-key.pem");
        await File.WriteAllTextAsync(withKeyPath, secretPem);
        ps.SetVariable("withKeyPath", withKeyPath);

        Step($"Merge-KvCertificate -Name leak-manual -Path $withKeyPath {Both}");
        var pending = JsonDocument.Parse((await _vault.GetAsync("/certificates/leak-manual/pending")).Body).RootElement;
        ps.SetVariable("x5c", await new ModuleVaultSigner(harness).SignAsync(Convert.FromBase64String(pending.GetProperty("csr").GetString()!)));
        Step($"Merge-KvCertificate -Name leak-manual -X5c $x5c {Both}");
        Step($"New-KvCertificate -Name leak-stop -Subject 'CN=leak-stop' {Both} | Stop-KvPendingCertificate -Force {Both} | Remove-KvPendingCertificate -Force -PassThru {Both}");

        // Failing requests: injected faults (retried and recovered; and persistent), then bad input.
        foreach (var kind in new[] { VaultFaultKind.InternalError, VaultFaultKind.Unavailable, VaultFaultKind.Throttle, VaultFaultKind.DropBeforeHandling })
        {
            harness.Server.InjectFault(new VaultFault(kind) { Count = 1, RetryAfterSeconds = 0 });
            Step($"Get-KvPendingCertificate -Name leak-manual {Both}");
            harness.Server.ClearFaults();
        }

        harness.Server.InjectFault(new VaultFault(VaultFaultKind.InternalError) { RetryAfterSeconds = 0 });
        Step($"New-KvCertificate -Name leak-fault -Subject 'CN=leak-fault' {Both}; Get-KvPendingCertificate -Name leak-manual {Both}");
        harness.Server.ClearFaults();
        Step($"New-KvCertificate -Name 'bad name!' -Subject 'CN=x' {Both}");
        Step($"Merge-KvCertificate -Name leak-stop -X5c 'bm90IGEgY2VydGlmaWNhdGU=' {Both}");
        Step($"Get-KvPendingCertificate -VaultUri $badUri -Name leak-manual {Both}");
        Step($"Stop-KvPendingCertificate -Name leak-missing -Force {Both}; Remove-KvPendingCertificate -Name leak-missing -Force {Both}");

        // The other ways to sign in: a certificate file (wrong, then right password), a token (refused, then good).
        Step($"Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -TenantId $tenant -ClientId app-1 -CertificatePath $pfxPath {Both}");
        Step($"Connect-KvVault -VaultUri $VaultUri -ServicePrincipal -TenantId $tenant -ClientId app-1 -CertificatePath $pfxPath -CertificatePassword $pfxPassword {Both}; Get-KvPendingCertificate {Both}");
        Step($"Get-KvPendingCertificate -VaultUri $VaultUri -AccessToken $wrongToken {Both}");
        Step($"Connect-KvVault -VaultUri $VaultUri -AccessToken $token {Both}; Get-KvPendingCertificate {Both}");
        Step($"Disconnect-KvVault {Both}");

        var found = new List<string>();
        for (var i = 0; i < steps.Count; i++)
        {
            found.AddRange(scanner.Find(steps[i].Text, $"step {i + 1} ({steps[i].Step[..Math.Min(60, steps[i].Step.Length)]})"));
        }

        var logs = _vault.Logs.Entries.ToList();
        for (var i = 0; i < logs.Count; i++)
        {
            found.AddRange(scanner.Find(logs[i], $"vault log entry {i}"));
        }

        // The test would be empty if the steps had not really run: they succeeded and failed as meant, and wrote verbose text.
        var allText = string.Join("\n", steps.Select(s => s.Text));
        Assert.Contains("VerboseRecord", allText, StringComparison.Ordinal);
        Assert.Contains("leak-manual", allText, StringComparison.Ordinal);
        Assert.Contains("CertificateKeyMismatch", allText, StringComparison.Ordinal);
        Assert.Contains("VaultUriInvalid", allText, StringComparison.Ordinal);
        Assert.Contains("CertificateNameInvalid", allText, StringComparison.Ordinal);
        Assert.True(steps.Count(s => s.Errors > 0) >= 8, "failing steps: " + steps.Count(s => s.Errors > 0));
        Assert.True(logs.Count > 100, "vault log entries: " + logs.Count);
        Assert.Contains(logs, l => l.StartsWith("Trace ", StringComparison.Ordinal) || l.StartsWith("Debug ", StringComparison.Ordinal));

        _output.WriteLine($"{steps.Count} steps ({steps.Count(s => s.Errors > 0)} with errors), {allText.Length:N0} characters of streams, output and console; "
            + $"{logs.Count:N0} vault log entries ({logs.Sum(l => l.Length):N0} characters); {scanner.Names.Count} secrets: {string.Join(", ", scanner.Names)}");
        Assert.True(found.Count == 0, "Secrets found:\n" + string.Join("\n", found.Take(30)));
    }

    [Fact]
    public void TheScannerFindsEachSecretAPieceOfItAndTheShapesOfSecrets()
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=scanner", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        var pkcs8 = Convert.ToBase64String(key.ExportPkcs8PrivateKey());
        var scanner = new SecretScanner().Add("secret", "s3cr3t-" + new string('x', 30)).Add("key", pkcs8).ExceptPublic(certificate.RawData);

        Assert.Empty(scanner.Find("nothing here; the certificate is public: " + Convert.ToBase64String(certificate.RawData), "clean"));
        Assert.NotEmpty(scanner.Find("a piece: ...t-xxxxxxxxxxxxxxxx...", "piece"));
        Assert.NotEmpty(scanner.Find("tail of the key: " + pkcs8[^40..], "key tail"));
        Assert.NotEmpty(scanner.Find(PemEncoding.WriteString("PRIVATE KEY", key.ExportPkcs8PrivateKey()), "pem"));
        Assert.NotEmpty(scanner.Find("Bearer eyJhbGciOiJSUzI1NiJ9.e30.x", "jwt"));
        Assert.Empty(scanner.Find("Skipped a PEM block that is not a certificate (PRIVATE KEY).", "label only"));
        Assert.Equal("a PEM private key", PrivateKeyDetector.Find("{\"value\":\"" + PemEncoding.WriteString("PRIVATE KEY", key.ExportPkcs8PrivateKey()).ReplaceLineEndings("\\n") + "\"}"));
        Assert.NotNull(PrivateKeyDetector.Find("{\"value\":\"" + Convert.ToBase64String(certificate.Export(X509ContentType.Pfx)) + "\"}"));
        Assert.NotNull(PrivateKeyDetector.Find("{\"k\":[\"" + pkcs8 + "\"]}"));
        Assert.Null(PrivateKeyDetector.Find("{\"cer\":\"" + Convert.ToBase64String(certificate.RawData) + "\"}"));
    }

    /// <summary>The local CA signing a CSR (management endpoint, no token needed), as base64 DER, leaf first.</summary>
    private sealed class ModuleVaultSigner(LocalVaultHarness harness)
    {
        public async Task<string[]> SignAsync(byte[] csr) => (await harness.SignCsrAsync(csr)).Select(Convert.ToBase64String).ToArray();
    }
}
