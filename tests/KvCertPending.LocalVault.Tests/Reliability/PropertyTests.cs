using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace KvCertPending.LocalVault.Tests.Reliability;

/// <summary>
/// Property tests over generated inputs (issue 7, item 4), seeded so a failure replays: certificate names are
/// accepted exactly when they follow the rule, and merge chains of every broken kind (bit flips, truncations,
/// wrong encodings, PKCS#7, PEM, junk) are never a 5xx and never change state when refused.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class PropertyTests(VaultFixture fixture, ITestOutputHelper output)
{
    private const int NameInputs = 400;
    private const int ChainInputs = 300;
    private const int Seed = 4242;
    private const string Valid = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-";
    private const string Invalid = "_~!$'()*+,;=:@% \u00e9\u4e2d\t#?&\"<>[]^`{|}\\";

    private static readonly Regex NameRule = new("^[0-9a-zA-Z-]{1,127}$", RegexOptions.CultureInvariant);

    private VaultConnection Vault => fixture.Vault;

    [Fact]
    public async Task Names_AcceptedExactlyWhenTheyFollowTheRule()
    {
        var random = new Random(Seed);
        var failures = new List<string>();
        int valid = 0;
        for (int i = 0; i < NameInputs; i++)
        {
            string name = GenerateName(random);
            bool follows = NameRule.IsMatch(name);
            valid += follows ? 1 : 0;
            RawResponse response = await Vault.Raw.GetAsync($"/certificates/{Uri.EscapeDataString(name)}/pending");
            string? code = response.StatusCode is >= 400 and < 500 ? KvAssert.ClientError(response)["code"]?.GetValue<string>() : null;
            bool ok = follows
                ? response.Status == HttpStatusCode.NotFound && code == "PendingCertificateNotFound"
                : response.Status == HttpStatusCode.BadRequest && code == "BadParameter";
            if (!ok)
            {
                failures.Add($"'{name}' ({(follows ? "valid" : "invalid")}, {name.Length} chars): {response}");
            }
        }

        output.WriteLine($"names: {NameInputs} generated (seed {Seed}), {valid} valid, {NameInputs - valid} invalid");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.InRange(valid, NameInputs / 5, NameInputs * 4 / 5);
    }

    [Fact]
    public async Task BrokenChains_NeverServerError_RefusalsChangeNothing()
    {
        var random = new Random(Seed);
        using var ca = new TestCa("Property CA");
        var failures = new List<string>();
        int refused = 0, merged = 0;
        string name = Names.New("prop");
        JsonObject pending = await Vault.CreateRawAsync(name, Policies.Manual($"CN={name}"));
        X509Certificate2 leaf = ca.SignPending(pending);
        StateSnapshot before = await StateSnapshot.TakeAsync(Vault, name);
        try
        {
            for (int i = 0; i < ChainInputs; i++)
            {
                string body = BrokenChain(random, leaf, ca.Root);
                RawResponse response = await Vault.Raw.SendAsync(HttpMethod.Post, $"/certificates/{name}/pending/merge", body);
                if (response.StatusCode >= 500)
                {
                    failures.Add($"#{i} {response} for {body}");
                }
                else if (response.Status == HttpStatusCode.Created)
                {
                    // A mutation that left the chain usable (e.g. a flipped bit in a signature): a real merge. Start over.
                    merged++;
                    leaf.Dispose();
                    name = Names.New("prop");
                    pending = await Vault.CreateRawAsync(name, Policies.Manual($"CN={name}"));
                    leaf = ca.SignPending(pending);
                    before = await StateSnapshot.TakeAsync(Vault, name);
                }
                else
                {
                    refused++;
                    JsonObject error = KvAssert.ClientError(response);
                    if (response.Status != HttpStatusCode.BadRequest || error["code"]?.GetValue<string>() != "BadParameter")
                    {
                        failures.Add($"#{i} not 400 BadParameter: {response}");
                    }

                    StateSnapshot after = await StateSnapshot.TakeAsync(Vault, name);
                    if (after != before)
                    {
                        failures.Add($"#{i} a refusal changed state:\n  before {before}\n  after  {after}");
                    }
                }
            }
        }
        finally
        {
            leaf.Dispose();
        }

        output.WriteLine($"chains: {ChainInputs} broken x5c bodies (seed {Seed}): {refused} refused with no state change, {merged} still usable and merged");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.True(refused >= ChainInputs / 2, $"only {refused} of {ChainInputs} were refused: the generator is too gentle");
    }

    private static string GenerateName(Random random)
    {
        int length = random.Next(10) switch
        {
            0 => random.Next(126, 132),
            _ => random.Next(1, 40),
        };
        bool clean = random.Next(2) == 0;
        var builder = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            builder.Append(!clean && random.Next(6) == 0 ? Invalid[random.Next(Invalid.Length)] : Valid[random.Next(Valid.Length)]);
        }

        return builder.ToString();
    }

    private static string BrokenChain(Random random, X509Certificate2 leaf, X509Certificate2 root)
    {
        byte[] der = (random.Next(3) == 0 ? root : leaf).RawData.ToArray();
        string item = random.Next(9) switch
        {
            0 => Convert.ToBase64String(FlipBits(der, random)),
            1 => Convert.ToBase64String(der[..random.Next(1, der.Length)]),
            2 => Convert.ToBase64String([.. der, .. RandomBytes(random, random.Next(1, 64))]),
            3 => Convert.ToBase64String(der).Replace('+', '-').Replace('/', '_').TrimEnd('='),
            4 => leaf.ExportCertificatePem(),
            5 => Convert.ToBase64String(new X509Certificate2Collection { leaf, root }.Export(X509ContentType.Pkcs7)!),
            6 => Convert.ToBase64String(RandomBytes(random, random.Next(0, 400))),
            7 => string.Concat(Convert.ToBase64String(der).Select((c, i) => i % 64 == 63 ? c + "\n" : c.ToString())),
            _ => Convert.ToBase64String(root.RawData),
        };

        JsonArray x5c = random.Next(4) == 0 ? new JsonArray(item, Convert.ToBase64String(root.RawData)) : new JsonArray(item);
        return new JsonObject { ["x5c"] = x5c }.ToJsonString();
    }

    private static byte[] FlipBits(byte[] der, Random random)
    {
        for (int i = random.Next(1, 4); i > 0; i--)
        {
            der[random.Next(der.Length)] ^= (byte)(1 << random.Next(8));
        }

        return der;
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        byte[] bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
