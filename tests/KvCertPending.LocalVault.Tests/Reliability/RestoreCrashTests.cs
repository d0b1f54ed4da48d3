using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace KvCertPending.LocalVault.Tests.Reliability;

/// <summary>
/// Restore is one transaction: the vault process is SIGKILLed while clients restore, delete and purge certificates of
/// many versions in a loop; after each restart every name is whole (all its versions, live or soft-deleted) or
/// absent, and an absent name restores again (no half-written rows left behind).
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class RestoreCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int NameCount = 6;
    private const int VersionsEach = 12;
    private const int Kills = 3;

    private readonly string dataDirectory = VaultHost.NewDataDirectory();

    public void Dispose() => VaultHost.DeleteDataDirectory(dataDirectory);

    [Fact]
    public async Task SigkillDuringRestores_LeavesEveryNameWholeOrAbsent()
    {
        string[] names = Enumerable.Range(0, NameCount).Select(i => $"restorecrash-{i}-{Guid.NewGuid():N}"[..28]).ToArray();
        var blobs = new Dictionary<string, string>();
        using (VaultProcess vault = await VaultProcess.StartAsync(dataDirectory))
        using (var raw = new RawVault(vault.VaultUri, vault.TlsCertificate))
        {
            string pfx = SelfSignedPfx();
            foreach (string name in names)
            {
                for (int v = 0; v < VersionsEach; v++)
                {
                    RawResponse imported = await raw.PostAsync($"/certificates/{name}/import", new JsonObject { ["value"] = pfx });
                    Assert.True(imported.Status == HttpStatusCode.OK, $"import {name}: {imported}");
                }

                RawResponse backup = await raw.PostAsync($"/certificates/{name}/backup", null);
                Assert.True(backup.Status == HttpStatusCode.OK, $"backup {name}: {backup}");
                blobs[name] = KvAssert.Str(backup.Json, "value");
                await DeleteAndPurgeAsync(raw, name);
            }
        }

        var random = new Random(7);
        int restores = 0, whole = 0, absent = 0;
        for (int round = 0; round < Kills; round++)
        {
            using (VaultProcess vault = await VaultProcess.StartAsync(dataDirectory))
            using (var raw = new RawVault(vault.VaultUri, vault.TlsCertificate))
            {
                using var stop = new CancellationTokenSource();
                Task<int>[] clients = names.Select(name => CycleAsync(raw, name, blobs[name], stop.Token)).ToArray();
                await Task.Delay(random.Next(400, 1200));
                vault.Kill();
                await stop.CancelAsync();
                foreach (Task<int> client in clients)
                {
                    restores += await client;
                }
            }

            using (VaultProcess vault = await VaultProcess.StartAsync(dataDirectory))
            using (var raw = new RawVault(vault.VaultUri, vault.TlsCertificate))
            {
                foreach (string name in names)
                {
                    if (await VerifyWholeOrAbsentAsync(raw, name, blobs[name]))
                    {
                        whole++;
                    }
                    else
                    {
                        absent++;
                    }

                    await DeleteAndPurgeAsync(raw, name);
                }
            }
        }

        output.WriteLine($"restore crash: {Kills} SIGKILLs, {restores} restores acknowledged before them; after restarts {whole} names whole, {absent} absent (and restored again whole)");
        Assert.True(restores >= Kills, $"only {restores} restores ran before the kills");
    }

    /// <summary>Restore, delete, purge, again, until the vault is gone; the number of restores answered 200.</summary>
    private static async Task<int> CycleAsync(RawVault raw, string name, string blob, CancellationToken stop)
    {
        int restored = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                RawResponse restore = await raw.PostAsync("/certificates/restore", new JsonObject { ["value"] = blob });
                Assert.True(restore.Status == HttpStatusCode.OK, $"restore {name}: {restore}");
                restored++;
                Assert.Equal(HttpStatusCode.OK, (await raw.DeleteAsync($"/certificates/{name}")).Status);
                Assert.Equal(HttpStatusCode.NoContent, (await raw.DeleteAsync($"/deletedcertificates/{name}")).Status);
            }
        }
        catch (HttpRequestException)
        {
            // The vault was killed.
        }
        catch (TaskCanceledException)
        {
            // A request cut off by the kill.
        }

        return restored;
    }

    /// <summary>True when the name is there with all its versions (recovered first if soft-deleted); false when absent, after proving it restores whole.</summary>
    private static async Task<bool> VerifyWholeOrAbsentAsync(RawVault raw, string name, string blob)
    {
        RawResponse live = await raw.GetAsync($"/certificates/{name}");
        if (live.Status == HttpStatusCode.NotFound)
        {
            RawResponse deleted = await raw.GetAsync($"/deletedcertificates/{name}");
            if (deleted.Status == HttpStatusCode.NotFound)
            {
                RawResponse again = await raw.PostAsync("/certificates/restore", new JsonObject { ["value"] = blob });
                Assert.True(again.Status == HttpStatusCode.OK, $"{name} is absent but does not restore: {again}");
                await AssertAllVersionsAsync(raw, name);
                return false;
            }

            Assert.Equal(HttpStatusCode.OK, (await raw.PostAsync($"/deletedcertificates/{name}/recover", null)).Status);
        }
        else
        {
            Assert.True(live.Status == HttpStatusCode.OK, $"GET {name}: {live}");
        }

        await AssertAllVersionsAsync(raw, name);
        return true;
    }

    private static async Task AssertAllVersionsAsync(RawVault raw, string name)
    {
        (List<JsonNode> versions, _) = await raw.GetAllPagesAsync($"/certificates/{name}/versions", 25);
        Assert.True(versions.Count == VersionsEach, $"{name} has {versions.Count} of its {VersionsEach} versions after the crash");
        RawResponse secret = await raw.GetAsync($"/secrets/{name}");
        Assert.True(secret.Status == HttpStatusCode.OK, $"secret of {name}: {secret}");
    }

    private static async Task DeleteAndPurgeAsync(RawVault raw, string name)
    {
        Assert.Equal(HttpStatusCode.OK, (await raw.DeleteAsync($"/certificates/{name}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await raw.DeleteAsync($"/deletedcertificates/{name}")).Status);
    }

    private static string SelfSignedPfx()
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=restore-crash.contoso.com", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(90));
        return Convert.ToBase64String(certificate.Export(X509ContentType.Pfx));
    }
}
