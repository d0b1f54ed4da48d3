using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace KvCertPending.LocalVault.Tests.Reliability;

/// <summary>
/// Bounded load (issue 7, item 3): concurrent clients run whole manual lifecycles (create, cancel, delete pending,
/// merge) on a small pool of shared names. No 5xx, every refusal one the spec allows, no pending object in an
/// impossible state, and every name's final state explained by a serial replay of the acknowledged operations.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class LoadTests(VaultFixture fixture, ITestOutputHelper output)
{
    private const int Clients = 6;
    private const int OperationsPerClient = 40;
    private const int SharedNames = 10;
    private const int Seed = 7;

    private VaultConnection Vault => fixture.Vault;

    [Fact]
    public async Task ConcurrentLifecycles_OnSharedNames_LinearizableAndNeverServerError()
    {
        string prefix = Names.New("load");
        string[] names = Enumerable.Range(0, SharedNames).Select(i => $"{prefix}-{i}").ToArray();
        var acknowledged = new ConcurrentQueue<LifecycleOp>();
        var failures = new ConcurrentQueue<string>();
        var outcomes = new ConcurrentDictionary<string, int>();
        var clock = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        async Task ClientAsync(int client)
        {
            var random = new Random(Seed * 1000 + client);
            using var ca = new TestCa($"Load CA {client}");
            for (int i = 0; i < OperationsPerClient && !deadline.IsCancellationRequested; i++)
            {
                string name = names[random.Next(names.Length)];
                int pick = random.Next(10);
                LifecycleOp op;
                RawResponse response;
                long started = clock.ElapsedTicks;
                if (pick < 3)
                {
                    response = await Vault.Raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = Policies.Manual($"CN={name}") });
                    op = new CreateOp(name, response.Status == HttpStatusCode.Accepted ? KvAssert.Str(response.Json, "request_id") : null) { Started = started };
                }
                else if (pick < 5)
                {
                    response = await Vault.Raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true });
                    op = new CancelOp(name) { Started = started };
                }
                else if (pick < 7)
                {
                    response = await Vault.Raw.DeleteAsync($"/certificates/{name}/pending");
                    op = new DeletePendingOp(name) { Started = started };
                }
                else
                {
                    RawResponse pending = await Vault.GetPendingAsync(name);
                    if (pending.Status != HttpStatusCode.OK || KvAssert.Str(pending.Json, "status") != "inProgress")
                    {
                        continue;
                    }

                    using X509Certificate2 leaf = ca.SignPending(pending.Json);
                    started = clock.ElapsedTicks;
                    response = await Vault.Raw.PostAsync($"/certificates/{name}/pending/merge", Chains.X5c(ca.Chain(leaf)));
                    op = new MergeOp(name, KvAssert.Str(pending.Json, "request_id"), Convert.ToBase64String(leaf.RawData)) { Started = started };
                }

                op.Finished = clock.ElapsedTicks;
                string kind = op.GetType().Name.Replace("Op", string.Empty, StringComparison.Ordinal);
                outcomes.AddOrUpdate($"{kind} {response.StatusCode}", 1, (_, n) => n + 1);
                if (response.StatusCode is >= 200 and < 300)
                {
                    acknowledged.Enqueue(op);
                }
                else if (!IsAllowedRefusal(op, response))
                {
                    failures.Enqueue($"{kind} {name}: {response}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(() => ClientAsync(c))));

        var impossible = new List<string>();
        int explained = 0;
        foreach (string name in names)
        {
            NameState observed = await NameState.ObserveAsync(Vault.Raw, name, impossible);
            List<LifecycleOp> ops = acknowledged.Where(o => o.Name == name).ToList();
            if (Linearizability.Explains(ops, [], observed))
            {
                explained++;
            }
            else
            {
                failures.Enqueue($"{name}: final state {observed} is not explained by its {ops.Count} acknowledged operations: {string.Join(" ", ops.OrderBy(o => o.Started).Select(o => o.GetType().Name))}");
            }
        }

        output.WriteLine($"load: {Clients} clients x {OperationsPerClient} operations on {SharedNames} shared names, {acknowledged.Count} acknowledged, {explained}/{SharedNames} names linearizable; " +
            string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} x{o.Value}")));
        Assert.True(impossible.Count == 0, string.Join("\n", impossible));
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(20)));
        Assert.True(acknowledged.Count >= Clients * OperationsPerClient / 5, $"only {acknowledged.Count} operations were acknowledged: the load did little");
    }

    /// <summary>The refusals a race can legitimately produce, each Key Vault-shaped.</summary>
    private static bool IsAllowedRefusal(LifecycleOp op, RawResponse response)
    {
        if (response.StatusCode is < 400 or >= 500)
        {
            return false;
        }

        string? code;
        try
        {
            code = KvAssert.ErrorBody(response)["code"]?.GetValue<string>();
        }
        catch (Xunit.Sdk.XunitException)
        {
            return false;
        }

        return (op, response.Status, code) switch
        {
            (_, HttpStatusCode.Conflict, "Conflict") => true,
            (CancelOp or DeletePendingOp or MergeOp, HttpStatusCode.NotFound, "PendingCertificateNotFound") => true,
            (CancelOp or MergeOp, HttpStatusCode.Forbidden, "Forbidden") => true,
            (MergeOp, HttpStatusCode.BadRequest, "BadParameter") => true, // the pending request changed under the merge: key mismatch
            _ => false,
        };
    }
}

/// <summary>Load and crash tests, on vaults of their own.</summary>
[CollectionDefinition(Name)]
public sealed class ReliabilityCollection : ICollectionFixture<VaultFixture>
{
    public const string Name = "Reliability";
}
