using System.Management.Automation;
using System.Text;
using Xunit.Abstractions;

namespace KvCertPending.Tests.Fuzz;

/// <summary>
/// Layer (a) for names: certificate names (CertificateNames), vault names (VaultEndpoint.FromName) and vault URIs
/// (VaultEndpoint.FromUri), each against an oracle written here from Key Vault's rules, over generated strings that
/// sit on and around the rules' edges (lengths, trailing newlines, look-alike Unicode letters and digits).
/// </summary>
public sealed class NameFuzzTests
{
    private const int Seed = 4242;
    private readonly ITestOutputHelper _output;

    public NameFuzzTests(ITestOutputHelper output) => _output = output;

    private static ModuleParsers Parsers => ModuleParsers.Instance;

    [Fact]
    public void CertificateNamesFollowKeyVaultsRule()
    {
        var run = new FuzzRun("certificate names (CertificateNames.IsValid)", Seed, _output);
        for (var i = 0; i < 3000; i++)
        {
            var (kind, name) = Candidate(run, maxLength: 140);
            var expected = name.Length is >= 1 and <= 127 && name.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '-');
            if (Parsers.IsValidCertificateName(name) == expected)
            {
                run.Passed(kind, expected);
            }
            else
            {
                run.Failed(kind, $"IsValid should be {expected} for {FuzzRun.Describe(name)}");
            }
        }

        run.Report();
    }

    [Fact]
    public void VaultNamesFollowAzuresRule()
    {
        var run = new FuzzRun("vault names (VaultEndpoint.FromName)", Seed + 1, _output);
        for (var i = 0; i < 3000; i++)
        {
            var (kind, name) = Candidate(run, maxLength: 30);
            var expected = name.Length is >= 3 and <= 24 && char.IsAsciiLetter(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
                && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && !name.Contains("--", StringComparison.Ordinal);
            try
            {
                var uri = Parsers.VaultFromName(name);
                if (!expected || uri.AbsoluteUri != $"https://{name.ToLowerInvariant()}.vault.azure.net/")
                {
                    run.Failed(kind, $"accepted {FuzzRun.Describe(name)} as {uri}");
                    continue;
                }

                run.Passed(kind, accepted: true);
            }
            catch (Exception ex) when (ModuleParsers.ModuleError(ex) is ("VaultNameInvalid", ErrorCategory.InvalidArgument))
            {
                if (expected)
                {
                    run.Failed(kind, "refused " + FuzzRun.Describe(name));
                    continue;
                }

                run.Passed(kind, accepted: false);
            }
            catch (Exception ex)
            {
                run.Failed(kind, ex.GetType().Name + ": " + ex.Message + " <- " + FuzzRun.Describe(name));
            }
        }

        run.Report();
    }

    [Fact]
    public void VaultUrisAreNormalisedOrRefusedAndNeverEchoAPassword()
    {
        var run = new FuzzRun("vault URIs (VaultEndpoint.FromUri)", Seed + 2, _output);
        string[] schemes = ["https", "HTTPS", "http", "ftp", "file", "wss"];
        string[] hosts = ["localhost", "127.0.0.1", "[::1]", "myvault.vault.azure.net", "MyVault.Vault.Azure.Net", "kv.vault.azure.cn", "kv.vault.usgovcloudapi.net",
            "vault.azure.net", "evil.vault.azure.net.example.com", "xn--bcher-kva.example", "bücher.example", "a", "myvault.vault.azure.net."];
        string[] paths = ["", "/", "/certificates", "//", "/?api-version=7.6", "/#frag", "/%2e%2e/", "/ "];
        string[] userInfos = ["", "user@", "user:Sup3rSecretPassw0rd!@"];
        for (var i = 0; i < 2000; i++)
        {
            var r = run.Random;
            var scheme = run.Pick(schemes);
            var host = run.Pick(hosts);
            var port = r.Next(3) switch { 0 => string.Empty, 1 => ":" + r.Next(1, 65536), _ => run.Pick(new[] { ":0", ":443", ":65535", ":" }) };
            var userInfo = run.Pick(userInfos);
            var path = run.Pick(paths);
            var text = $"{scheme}://{userInfo}{host}{port}{path}";
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
            {
                continue; // PowerShell could not bind it to [Uri] either
            }

            // As System.Uri parsed it (it trims, resolves dot segments, lower-cases the scheme).
            var kind = uri.Scheme != "https" ? "other scheme" : uri.AbsolutePath == "/" ? "https, no path" : "https with path";

            kind += userInfo.Length > 0 ? ", user info" : string.Empty;
            try
            {
                var (normalized, isAzure) = Parsers.VaultFromUri(uri);
                var azureHost = new[] { ".vault.azure.net", ".vault.azure.cn", ".vault.usgovcloudapi.net" }.Any(s => uri.Host.TrimEnd('.').EndsWith(s, StringComparison.OrdinalIgnoreCase));
                if (!kind.StartsWith("https, no path", StringComparison.Ordinal) || normalized.AbsolutePath != "/" || normalized.Query.Length > 0
                    || normalized.UserInfo.Length > 0 || normalized.Host != uri.Host || isAzure != azureHost)
                {
                    run.Failed(kind, $"{text} -> {normalized} (Azure host: {isAzure})");
                    continue;
                }

                run.Passed(kind, accepted: true);
            }
            catch (Exception ex) when (ModuleParsers.ModuleError(ex) is ("VaultUriInvalid", ErrorCategory.InvalidArgument))
            {
                if (ex.Message.Contains("Sup3rSecret", StringComparison.Ordinal) || (ex.TargetSite is not null && ex.GetType().GetProperty("Target")!.GetValue(ex)?.ToString()?.Contains("Sup3rSecret", StringComparison.Ordinal) == true)
                    || kind.StartsWith("https, no path", StringComparison.Ordinal))
                {
                    run.Failed(kind, "refused or echoed the password: " + ex.Message);
                    continue;
                }

                run.Passed(kind, accepted: false);
            }
            catch (Exception ex)
            {
                run.Failed(kind, ex.GetType().Name + ": " + ex.Message + " <- " + text);
            }
        }

        run.Report();
    }

    /// <summary>A candidate name near the rule's edges, and what kind of candidate it is.</summary>
    private static (string Kind, string Name) Candidate(FuzzRun run, int maxLength)
    {
        const string Valid = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
        string[] odd = ["\n", "\r", "\t", " ", "_", ".", "/", "%", "é", "İ", "ı", "\u0660", "\uff11", "\uff41", "\u00a0", "\u200b", "\u212a", "\0", "--", "\ud83d\udd12"];
        var r = run.Random;
        var length = r.Next(5) == 0 ? run.Pick(new[] { 0, 1, 2, 3, 23, 24, 25, 126, 127, 128 }) : r.Next(1, maxLength + 1);
        var name = new StringBuilder(new string(Enumerable.Range(0, length).Select(_ => Valid[r.Next(Valid.Length)]).ToArray()));
        switch (r.Next(4))
        {
            case 0:
                return ("valid alphabet", name.ToString());
            case 1:
                var suffix = run.Pick(new[] { "\n", "\r\n", " ", "\0" });
                return ("trailing " + (suffix == "\n" ? "newline" : "other"), name + suffix);
            default:
                var insert = run.Pick(odd);
                name.Insert(r.Next(name.Length + 1), insert);
                return (insert.Any(c => c > 0x7e) ? "non-ascii inside" : "ascii punctuation inside", name.ToString());
        }
    }
}
