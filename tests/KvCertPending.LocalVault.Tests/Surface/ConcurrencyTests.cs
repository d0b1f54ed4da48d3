using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace KvCertPending.LocalVault.Tests.Surface;

/// <summary>Races: one create wins, one operation on a pending object wins, no lost update under parallel load.</summary>
[Collection(ConcurrencyCollection.Name)]
public sealed class ConcurrencyTests(VaultFixture fixture, ITestOutputHelper output)
{
    private const int Racers = 12;

    private VaultConnection Vault => fixture.Vault;

    [Fact]
    public async Task RacingCreates_OneAccepted_RestConflict()
    {
        string name = Names.New("race");
        using var start = new SemaphoreSlim(0);
        Task<RawResponse>[] racers = Enumerable.Range(0, Racers).Select(async i =>
        {
            await start.WaitAsync();
            return await Vault.Raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = Policies.Manual($"CN=racer{i}") });
        }).ToArray();
        start.Release(Racers);
        RawResponse[] responses = await Task.WhenAll(racers);

        RawResponse winner = Assert.Single(responses, r => r.Status == HttpStatusCode.Accepted);
        foreach (RawResponse loser in responses.Where(r => r != winner))
        {
            KvAssert.Error(loser, HttpStatusCode.Conflict, "Conflict");
        }

        // The pending object is the winner's.
        RawResponse pending = await Vault.GetPendingAsync(name);
        Assert.True(JsonNode.DeepEquals(winner.Json, pending.Json), pending.Body);

        Assert.Single(await Vault.Certificates.GetPropertiesOfCertificateVersionsAsync(name).ToListAsync());
    }

    [Fact]
    public async Task RacingDeletes_ExactlyOneWins()
    {
        string name = Names.New("rdel");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.Manual());
        using var start = new SemaphoreSlim(0);
        Task<RawResponse>[] racers = Enumerable.Range(0, Racers).Select(async _ =>
        {
            await start.WaitAsync();
            return await Vault.Raw.DeleteAsync($"/certificates/{name}/pending");
        }).ToArray();
        start.Release(Racers);
        RawResponse[] responses = await Task.WhenAll(racers);
        output.WriteLine("racing DELETEs: " + string.Join(", ", responses.Select(r => r.StatusCode)));

        RawResponse winner = Assert.Single(responses, r => r.Status == HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(created, winner.Json));
        foreach (RawResponse loser in responses.Where(r => r != winner))
        {
            // A loser either collided with the winner (409 Conflict) or came after it (404 PendingCertificateNotFound).
            JsonObject error = KvAssert.ClientError(loser);
            string code = error["code"]!.GetValue<string>();
            Assert.True(
                (loser.Status == HttpStatusCode.Conflict && code == "Conflict") || (loser.Status == HttpStatusCode.NotFound && code == "PendingCertificateNotFound"),
                loser.ToString());
        }

        KvAssert.Error(await Vault.GetPendingAsync(name), HttpStatusCode.NotFound, "PendingCertificateNotFound");
    }

    [Fact]
    public async Task RacingPatchAndDelete_AtMostOneDeleteWins_EveryOtherAnswerAllowed()
    {
        // The spec allows a clean serialisation: PATCHes before the DELETE succeed (200), those after it 404;
        // a collision is 409 Conflict, so every DELETE may lose to a PATCH (then the pending object is whole and a
        // later DELETE removes it). Never a 5xx, never two deletes, never a half state.
        string name = Names.New("rmix");
        await Vault.CreateRawAsync(name, Policies.Manual());
        using var start = new SemaphoreSlim(0);
        Task<(bool IsDelete, RawResponse Response)>[] racers = Enumerable.Range(0, Racers).Select(async i =>
        {
            await start.WaitAsync();
            bool isDelete = i % 3 == 0;
            RawResponse response = isDelete
                ? await Vault.Raw.DeleteAsync($"/certificates/{name}/pending")
                : await Vault.Raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true });
            return (isDelete, response);
        }).ToArray();
        start.Release(Racers);
        (bool IsDelete, RawResponse Response)[] results = await Task.WhenAll(racers);
        output.WriteLine("racing PATCH/DELETE: " + string.Join(", ", results.Select(r => $"{(r.IsDelete ? "DELETE" : "PATCH")} {r.Response.StatusCode}")));

        int deletes = results.Count(r => r.IsDelete && r.Response.Status == HttpStatusCode.OK);
        Assert.InRange(deletes, 0, 1);
        foreach ((bool isDelete, RawResponse response) in results)
        {
            if (response.Status == HttpStatusCode.OK)
            {
                KvAssert.PendingShape(response.Object, "inProgress");
                continue;
            }

            JsonObject error = KvAssert.ClientError(response);
            string code = error["code"]!.GetValue<string>();
            Assert.True(
                (response.Status == HttpStatusCode.Conflict && code == "Conflict") || (response.Status == HttpStatusCode.NotFound && code == "PendingCertificateNotFound"),
                $"{(isDelete ? "DELETE" : "PATCH")}: {response}");
        }

        if (deletes == 0)
        {
            // Every DELETE collided: the pending object is untouched but for the cancellation flag, and goes now.
            RawResponse left = await Vault.GetPendingAsync(name);
            KvAssert.PendingShape(left.Object, "inProgress");
            Assert.Equal(HttpStatusCode.OK, (await Vault.Raw.DeleteAsync($"/certificates/{name}/pending")).Status);
        }

        KvAssert.Error(await Vault.GetPendingAsync(name), HttpStatusCode.NotFound, "PendingCertificateNotFound");
    }

    [Fact]
    public async Task MergeRacingCancellations_EachAnswerIsOneTheSpecAllows()
    {
        string name = Names.New("rmp");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.Manual("CN=rmp"));
        using var ca = new TestCa();
        using X509Certificate2 leaf = ca.SignPending(created);
        using var start = new SemaphoreSlim(0);
        Task<RawResponse> merge = Task.Run(async () =>
        {
            await start.WaitAsync();
            return await Vault.Raw.PostAsync($"/certificates/{name}/pending/merge", Chains.X5c(ca.Chain(leaf)));
        });
        Task<RawResponse>[] patches = Enumerable.Range(0, Racers).Select(_ => Task.Run(async () =>
        {
            await start.WaitAsync();
            return await Vault.Raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true });
        })).ToArray();
        start.Release(Racers + 1);
        RawResponse merged = await merge;
        RawResponse[] patched = await Task.WhenAll(patches);
        output.WriteLine($"merge {merged.StatusCode} racing PATCHes: " + string.Join(", ", patched.Select(r => r.StatusCode)));

        // The merge either won or collided with a PATCH holding the object (409 Conflict).
        Assert.True(merged.Status is HttpStatusCode.Created or HttpStatusCode.Conflict, merged.ToString());
        foreach (RawResponse response in patched)
        {
            // Before the merge: 200; colliding: 409 Conflict; after it: 403 (no longer inProgress).
            Assert.True(response.Status is HttpStatusCode.OK or HttpStatusCode.Conflict or HttpStatusCode.Forbidden, response.ToString());
            if (response.Status != HttpStatusCode.OK)
            {
                KvAssert.ClientError(response);
            }
        }

        JsonObject pending = (await Vault.GetPendingAsync(name)).Object;
        if (merged.Status == HttpStatusCode.Created)
        {
            KvAssert.PendingShape(pending, "completed");
            Assert.Equal(KvAssert.Str(merged.Json, "cer"), KvAssert.Str((await Vault.Raw.GetAsync($"/certificates/{name}")).Json, "cer"));
        }
        else
        {
            KvAssert.PendingShape(pending, "inProgress");
            Assert.Null((await Vault.Raw.GetAsync($"/certificates/{name}")).Json["cer"]);
        }

        Assert.Equal(patched.Any(r => r.Status == HttpStatusCode.OK), pending["cancellation_requested"]!.GetValue<bool>());
    }

    [Fact]
    public async Task RacingMerges_ExactlyOneCompletes()
    {
        string name = Names.New("rmrg");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.Manual("CN=rmrg"));
        using var ca = new TestCa();
        X509Certificate2[] leaves = Enumerable.Range(0, 6).Select(_ => ca.SignPending(created)).ToArray();
        try
        {
            using var start = new SemaphoreSlim(0);
            Task<RawResponse>[] racers = leaves.Select(async leaf =>
            {
                await start.WaitAsync();
                return await Vault.Raw.PostAsync($"/certificates/{name}/pending/merge", Chains.X5c(ca.Chain(leaf)));
            }).ToArray();
            start.Release(leaves.Length);
            RawResponse[] responses = await Task.WhenAll(racers);
            output.WriteLine("racing merges: " + string.Join(", ", responses.Select(r => $"{r.StatusCode} {(r.StatusCode >= 400 ? r.Json["error"]!["code"] : string.Empty)}")));

            RawResponse winner = Assert.Single(responses, r => r.Status == HttpStatusCode.Created);
            foreach (RawResponse loser in responses.Where(r => r != winner))
            {
                // Collided with the winner (409 Conflict), or came after it: the pending object is completed (403).
                string code = KvAssert.ClientError(loser)["code"]!.GetValue<string>();
                Assert.True(
                    (loser.Status == HttpStatusCode.Conflict && code == "Conflict") || (loser.Status == HttpStatusCode.Forbidden && code == "Forbidden"),
                    loser.ToString());
            }

            RawResponse bundle = await Vault.Raw.GetAsync($"/certificates/{name}");
            Assert.Equal(KvAssert.Str(winner.Json, "cer"), KvAssert.Str(bundle.Json, "cer"));
            Assert.Equal(KvAssert.Str(winner.Json, "id"), KvAssert.Str(bundle.Json, "id"));
        }
        finally
        {
            foreach (X509Certificate2 leaf in leaves)
            {
                leaf.Dispose();
            }
        }
    }

    [Fact]
    public async Task ParallelLifecycles_OnManyNames_NoLostUpdate()
    {
        const int count = 16;
        string prefix = Names.New("par");
        string[] names = Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToArray();
        using var ca = new TestCa();

        async Task<(string Name, string Cer, string Tag)> LifecycleAsync(string name, int i)
        {
            JsonObject created = await Vault.CreateRawAsync(name, Policies.Manual($"CN={name}"));
            using X509Certificate2 leaf = ca.SignPending(created);
            RawResponse merged = await Vault.Raw.PostAsync($"/certificates/{name}/pending/merge", Chains.X5c(ca.Chain(leaf)));
            Assert.True(merged.Status == HttpStatusCode.Created, $"{name}: {merged}");
            string version = KvAssert.Str(merged.Json, "id").Split('/')[^1];
            string tag = $"t{i}";
            RawResponse updated = await Vault.Raw.PatchAsync($"/certificates/{name}/{version}", new JsonObject { ["tags"] = new JsonObject { ["n"] = tag } });
            Assert.True(updated.Status == HttpStatusCode.OK, $"{name}: {updated}");
            return (name, Convert.ToBase64String(leaf.RawData), tag);
        }

        (string Name, string Cer, string Tag)[] results = await Task.WhenAll(names.Select((n, i) => LifecycleAsync(n, i)));

        foreach ((string name, string cer, string tag) in results)
        {
            JsonNode bundle = (await Vault.Raw.GetAsync($"/certificates/{name}")).Json;
            Assert.Equal(cer, KvAssert.Str(bundle, "cer"));
            Assert.Equal(tag, KvAssert.Str(bundle["tags"], "n"));
            Assert.True(bundle["attributes"]!["enabled"]!.GetValue<bool>());
            Assert.Equal("completed", KvAssert.Str((await Vault.GetPendingAsync(name)).Json, "status"));
        }

        var listed = (await Vault.Certificates.GetPropertiesOfCertificatesAsync().ToListAsync()).Select(p => p.Name).ToHashSet();
        Assert.Subset(listed, names.ToHashSet());
    }

    [Fact]
    public async Task ManyCaRequestsFallingDueTogether_EachGetsItsOwnKeyAndSubject()
    {
        const int count = 20;
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 0.3);
        string prefix = Names.New("due");
        string[] names = Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToArray();

        JsonObject[] created = await Task.WhenAll(names.Select(n => Vault.CreateRawAsync(n, Policies.With(issuer, $"CN={n}"))));
        JsonObject[] finals = await Task.WhenAll(names.Select(n => Vault.WaitForFinalAsync(n)));

        for (int i = 0; i < count; i++)
        {
            Assert.Equal("completed", KvAssert.Str(finals[i], "status"));
            Assert.Equal(KvAssert.Str(created[i], "request_id"), KvAssert.Str(finals[i], "request_id"));
            JsonNode bundle = (await Vault.Raw.GetAsync($"/certificates/{names[i]}")).Json;
            using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(KvAssert.Str(bundle, "cer")));
            Assert.Equal($"CN={names[i]}", leaf.Subject);
            Assert.Equal(Asn.PublicKeyOf(Asn.LoadCsr(Convert.FromBase64String(KvAssert.Str(created[i], "csr")))), Asn.PublicKeyOf(leaf));
        }
    }
}
