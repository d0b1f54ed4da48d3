using System.Management.Automation;
using System.Text;
using KvCertPending.Hosting;
using KvCertPending.Tests.Infrastructure;
using Xunit.Abstractions;

namespace KvCertPending.Tests.Fuzz;

/// <summary>
/// Layer (b): fewer inputs, through the real cmdlets in the hosted engine against the local vault. Merge-KvCertificate
/// with mutated chains (files and -X5c), New-KvCertificate with mutated policies (-Policy text and objects, -PolicyPath)
/// and names. Contract: no unhandled exception and no "Exception of type ..." text, every error an ErrorRecord with a
/// stable id and the right category from the module (or PowerShell's own parameter validation), and a refused input
/// changes nothing in the vault (its state is read before and after).
/// </summary>
public sealed class CmdletFuzzTests : ModuleTest
{
    private const int Seed = 9090;
    private readonly ITestOutputHelper _output;

    public CmdletFuzzTests(ModuleVault vault, ITestOutputHelper output)
        : base(vault) => _output = output;

    [Fact]
    public async Task MergeWithMutatedChainsFailsCleanlyAndChangesNothing()
    {
        var run = new FuzzRun("Merge-KvCertificate, mutated chains (hosted engine, local vault)", Seed, _output);
        var directory = Chains.TempDirectory();
        var target = await NewTargetAsync();
        var allowed = new Dictionary<string, ErrorCategory>
        {
            ["CertificateChainUnreadable"] = ErrorCategory.InvalidData,
            ["CertificateChainEmpty"] = ErrorCategory.InvalidData,
            ["CertificateKeyMismatch"] = ErrorCategory.InvalidArgument,
            ["CertificateChainRejected"] = ErrorCategory.InvalidArgument,
        };
        for (var i = 0; i < 100; i++)
        {
            var kind = run.Pick(ChainMutations.Kinds.Where(k => k != "very long").ToArray());
            var (source, bytes) = run.Pick(target.Encodings);
            var input = ChainMutations.Mutate(kind, bytes, run);
            var asX5c = i % 3 == 2;
            string script;
            if (asX5c)
            {
                Ps.SetVariable("fuzzX5c", new[] { Encoding.Latin1.GetString(input) }.Concat(target.Encodings.Take(0).Select(_ => string.Empty)).ToArray());
                script = "Merge-KvCertificate -VaultUri $VaultUri -Name $fuzzName -X5c $fuzzX5c";
            }
            else
            {
                var path = Path.Combine(directory, $"input-{i}.bin");
                await File.WriteAllBytesAsync(path, input);
                Ps.SetVariable("fuzzPath", path);
                script = "Merge-KvCertificate -VaultUri $VaultUri -Name $fuzzName -LiteralPath $fuzzPath";
            }

            Ps.SetVariable("fuzzName", target.Name);
            var before = await SnapshotAsync(target.Name);
            var result = Ps.Run(script);
            var label = kind + (asX5c ? " (-X5c)" : " (file)");
            if (result.Errors.Count == 0)
            {
                // Still a usable chain for this key: merged. The next inputs go to a fresh request.
                if (result.Output.Count != 1 || result.Output[0].BaseObject.GetType().Name != "KvCertificate")
                {
                    run.Failed(label, "no error and no certificate out");
                    continue;
                }

                run.Passed(label, accepted: true);
                target = await NewTargetAsync();
                continue;
            }

            var problem = Judge(result, "MergeKvCertificateCommand", allowed);
            if (problem is null && await SnapshotAsync(target.Name) != before)
            {
                problem = "the vault's state changed";
            }

            if (problem is null)
            {
                run.Passed(label, accepted: false);
            }
            else
            {
                run.Failed(label, $"{source}: {problem} <- {FuzzRun.Describe(input)}");
            }
        }

        run.Report();
    }

    [Fact]
    public async Task NewWithMutatedPoliciesAndNamesFailsCleanlyAndChangesNothing()
    {
        var run = new FuzzRun("New-KvCertificate, mutated policies and names (hosted engine, local vault)", Seed + 1, _output);
        var directory = Chains.TempDirectory();
        var allowed = new Dictionary<string, ErrorCategory>
        {
            ["CertificatePolicyInvalid"] = ErrorCategory.InvalidArgument,
            ["CertificateNameInvalid"] = ErrorCategory.InvalidArgument,
            ["CertificateNameMissing"] = ErrorCategory.InvalidArgument,
            ["CertificateRequestRejected"] = ErrorCategory.InvalidArgument,
            ["InvalidRequest"] = ErrorCategory.InvalidArgument,
        };
        string[] oddNames = ["", " ", "name\n", "a/b", "a b", "é", "-", new string('a', 128), "a..b", "x%00", "\u0660\u0661", "CON", "a\u200bb", "trailing-"];
        for (var i = 0; i < 120; i++)
        {
            var name = NewName("fz");
            var kind = run.Pick(PolicyGenerator.Kinds.Where(k => k is not ("very long string" or "nested depth")).Append("odd name").ToArray());
            Ps.SetVariable("fuzzName", name);
            string script;
            if (kind == "odd name")
            {
                name = run.Pick(oddNames);
                Ps.SetVariable("fuzzName", name);
                script = "New-KvCertificate -VaultUri $VaultUri -Name $fuzzName -Subject 'CN=fuzz'";
            }
            else
            {
                var mutated = PolicyGenerator.Mutate(kind, PolicyGenerator.Valid(run, out _), run);
                switch (i % 3)
                {
                    case 0:
                        Ps.SetVariable("fuzzPolicy", mutated as string ?? PolicyGenerator.Json(mutated));
                        script = "New-KvCertificate -VaultUri $VaultUri -Name $fuzzName -Policy $fuzzPolicy";
                        break;
                    case 1:
                        Ps.SetVariable("fuzzPolicy", mutated as string ?? PolicyGenerator.ToPowerShell(mutated, run.Random));
                        script = "New-KvCertificate -VaultUri $VaultUri -Name $fuzzName -Policy $fuzzPolicy";
                        break;
                    default:
                        var path = Path.Combine(directory, $"policy-{i}.json");
                        await File.WriteAllTextAsync(path, mutated as string ?? PolicyGenerator.Json(mutated));
                        Ps.SetVariable("fuzzPath", path);
                        script = "New-KvCertificate -VaultUri $VaultUri -Name $fuzzName -PolicyPath $fuzzPath";
                        break;
                }
            }

            var before = await NamesAsync();
            var result = Ps.Run(script);
            if (result.Errors.Count == 0)
            {
                var created = result.Output.Count == 1 && result.Output[0].BaseObject.GetType().Name == "KvPendingCertificate";
                if (created && (await NamesAsync()).Contains(name))
                {
                    run.Passed(kind, accepted: true);
                }
                else
                {
                    run.Failed(kind, "no error, but no pending certificate either for " + FuzzRun.Describe(name));
                }

                continue;
            }

            var problem = Judge(result, "NewKvCertificateCommand", allowed);
            if (problem is null && !(await NamesAsync()).SetEquals(before))
            {
                problem = "the vault's certificates changed";
            }

            if (problem is null)
            {
                run.Passed(kind, accepted: false);
            }
            else
            {
                run.Failed(kind, problem + " <- " + script + " name " + FuzzRun.Describe(name));
            }
        }

        run.Report();
    }

    [Fact]
    public async Task OddNamesVaultNamesAndUrisThroughEveryCmdletFailCleanly()
    {
        var run = new FuzzRun("names, vault names, vault URIs through every cmdlet (hosted engine, local vault)", Seed + 2, _output);
        var allowed = new Dictionary<string, ErrorCategory>
        {
            ["CertificateNameInvalid"] = ErrorCategory.InvalidArgument,
            ["CertificateNameMissing"] = ErrorCategory.InvalidArgument,
            ["PendingCertificateNotFound"] = ErrorCategory.ObjectNotFound,
            ["VaultNameInvalid"] = ErrorCategory.InvalidArgument,
            ["VaultUriInvalid"] = ErrorCategory.InvalidArgument,
            ["CertificateChainUnreadable"] = ErrorCategory.InvalidData,
        };
        var commands = new (string Cmdlet, string Class, string Extra)[]
        {
            ("Get-KvPendingCertificate", "GetKvPendingCertificateCommand", string.Empty),
            ("Stop-KvPendingCertificate", "StopKvPendingCertificateCommand", "-Force"),
            ("Remove-KvPendingCertificate", "RemoveKvPendingCertificateCommand", "-Force"),
            ("Merge-KvCertificate", "MergeKvCertificateCommand", "-X5c 'bm90IGEgY2VydA=='"),
            ("New-KvCertificate", "NewKvCertificateCommand", "-Subject 'CN=x'"),
        };
        string[] names = ["", " ", "web\n", "web\r\n", "a/b", "a b", "é", new string('a', 128), "a..b", "x%00", "\u0660", "a\u200bb", "web\t", "../certificates", "*", "web?", "a#b", "\uff41"];
        string[] vaultNames = ["ab", "1vault", "vault-", "my--vault", "myvault\n", "my.vault", "vault_1", "ä-vault", new string('v', 25), "myvault.vault.azure.net"];
        string[] vaultUris = ["http://localhost/", "https://localhost/certificates", "ftp://x/", "https://u:p@localhost/path", "file:///etc/passwd", "https://localhost/../x/"];
        var before = await NamesAsync();
        for (var i = 0; i < 150; i++)
        {
            var (cmdlet, command, rest) = run.Pick(commands);
            string kind;
            switch (run.Random.Next(3))
            {
                case 0:
                    kind = "certificate name";
                    Ps.SetVariable("fuzzName", System.Text.RegularExpressions.Regex.Unescape(run.Pick(names)));
                    Ps.SetVariable("fuzzTarget", "-VaultUri $VaultUri");
                    break;
                case 1:
                    kind = "vault name";
                    Ps.SetVariable("fuzzName", "fuzz-name");
                    Ps.SetVariable("fuzzVault", System.Text.RegularExpressions.Regex.Unescape(run.Pick(vaultNames)));
                    Ps.SetVariable("fuzzTarget", "-VaultName $fuzzVault");
                    break;
                default:
                    kind = "vault URI";
                    Ps.SetVariable("fuzzName", "fuzz-name");
                    Ps.SetVariable("fuzzVault", run.Pick(vaultUris));
                    Ps.SetVariable("fuzzTarget", "-VaultUri $fuzzVault");
                    break;
            }

            var target = (string)Ps.GetVariable("fuzzTarget")!;
            var result = Ps.Run($"{cmdlet} {target} -Name $fuzzName {rest}");
            var label = $"{kind}: {cmdlet}";
            var problem = result.Errors.Count == 0 ? "no error" : Judge(result, command, allowed);
            if (problem is null)
            {
                run.Passed(label, accepted: false);
            }
            else
            {
                run.Failed(label, problem + " <- " + FuzzRun.Describe(Convert.ToString(Ps.GetVariable("fuzzName"), System.Globalization.CultureInfo.InvariantCulture) + " / " + Ps.GetVariable("fuzzVault")));
            }
        }

        Assert.True(before.SetEquals(await NamesAsync()), "the vault's certificates changed");
        run.Report();
    }

    /// <summary>Why a failed run breaks the contract, or null when each error is a clean, expected ErrorRecord.</summary>
    private static string? Judge(PsResult result, string command, IReadOnlyDictionary<string, ErrorCategory> allowed)
    {
        foreach (var error in result.Errors)
        {
            var id = error.FullyQualifiedErrorId;
            var text = error.ToString() + " " + error.Exception?.Message;
            if (text.Contains("Exception of type", StringComparison.Ordinal) || string.IsNullOrWhiteSpace(error.Exception?.Message))
            {
                return "a message without content: " + id;
            }

            if (error.Exception is ParameterBindingException && id.StartsWith("ParameterArgumentValidationError", StringComparison.Ordinal))
            {
                continue; // PowerShell's own [ValidateNotNullOrEmpty]: stable id, InvalidData
            }

            var shortId = id.Split(',')[0];
            if (error.Exception?.GetType().Name != "KvCertPendingException" || !id.EndsWith("," + "KvCertPending.Commands." + command, StringComparison.Ordinal))
            {
                return $"not a module error: {id} ({error.Exception?.GetType().FullName}: {error.Exception?.Message})";
            }

            if (!allowed.TryGetValue(shortId, out var category) || error.CategoryInfo.Category != category)
            {
                return $"unexpected error {id} / {error.CategoryInfo.Category}: {error.Exception.Message}";
            }
        }

        return null;
    }

    /// <summary>What the vault holds for one name: pending object, certificate, versions (raw JSON, as read).</summary>
    private async Task<string> SnapshotAsync(string name)
    {
        var text = new StringBuilder();
        foreach (var path in new[] { $"certificates/{name}/pending", $"certificates/{name}", $"certificates/{name}/versions" })
        {
            using var response = await Vault.Harness.Http.GetAsync(new Uri($"{path}?api-version={LocalVaultHarness.ApiVersion}", UriKind.Relative));
            text.Append((int)response.StatusCode).Append(' ').AppendLine(await response.Content.ReadAsStringAsync());
        }

        return text.ToString();
    }

    private async Task<HashSet<string>> NamesAsync()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var properties in Vault.Client.GetPropertiesOfCertificatesAsync(includePending: true))
        {
            names.Add(properties.Name);
        }

        return names;
    }

    /// <summary>A fresh manual request and its chain (signed by the local CA) in every encoding.</summary>
    private async Task<(string Name, IReadOnlyList<(string Kind, byte[] Bytes)> Encodings)> NewTargetAsync()
    {
        var name = NewName("fzm");
        var operation = await Vault.Client.StartCreateCertificateAsync(name, new Azure.Security.KeyVault.Certificates.CertificatePolicy("Unknown", "CN=" + name));
        var csr = (await Vault.Client.GetCertificateOperationAsync(name)).Properties.Csr;
        var x5c = await Vault.SignAsync(csr);
        var pem = string.Concat(Chains.Parse(x5c).Select(c => c.ExportCertificatePem() + "\n"));
        var der = Convert.FromBase64String(x5c[0]);
        var pkcs7 = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection(Chains.Parse(x5c)).Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs7)!;
        _ = operation;
        return (name, [("pem chain", Encoding.ASCII.GetBytes(pem)), ("der leaf", der), ("pkcs7 der", pkcs7), ("base64 der", Encoding.ASCII.GetBytes(x5c[0]))]);
    }
}
