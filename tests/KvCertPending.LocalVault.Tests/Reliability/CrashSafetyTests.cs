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
/// Crash safety (issue 7, item 2): the vault runs as its own process; concurrent clients run lifecycles (create,
/// cancel, merge, delete pending, CA-issued creates) and the process is SIGKILLed in the middle of the burst. After a
/// restart on the same data folder every acknowledged operation is there, an operation whose answer was lost either
/// happened whole or not at all, nothing is half-written, and CA requests in flight at the kill complete.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class CrashSafetyTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 5;
    private const int Clients = 4;
    private const int NamesPerRound = 40;
    private const int Seed = 11;
    private const double CaDelaySeconds = 3;
    private static readonly TimeSpan RoundBudget = TimeSpan.FromSeconds(150);

    private readonly string dataDirectory = VaultHost.NewDataDirectory();
    private readonly string issuer = Names.New("crash-ca");

    public void Dispose() => VaultHost.DeleteDataDirectory(dataDirectory);

    [Fact]
    public async Task SigkillDuringBursts_AcknowledgedOperationsSurvive_InFlightCaRequestsResume()
    {
        var random = new Random(Seed);
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        var previous = new List<NameJournal>();
        int survived = 0, acknowledged = 0, lost = 0, resumed = 0, rounds = 0;

        for (int round = 0; round <= Kills && clock.Elapsed < RoundBudget; round++)
        {
            using VaultProcess vault = await VaultProcess.StartAsync(dataDirectory);
            using var raw = new RawVault(vault.VaultUri, vault.TlsCertificate);
            if (round == 0)
            {
                await SetUpIssuerAsync(raw);
            }
            else
            {
                // Verify what the previous round left before the kill.
                int before = failures.Count;
                (int ok, int inFlight, int completed) = await VerifyAsync(raw, previous, failures);
                acknowledged += ok;
                lost += inFlight;
                resumed += completed;
                if (failures.Count == before)
                {
                    survived++;
                }
            }

            if (round == Kills || clock.Elapsed >= RoundBudget)
            {
                break;
            }

            previous = await BurstAndKillAsync(vault, raw, round, random);
            rounds++;
        }

        output.WriteLine($"crash: {rounds} SIGKILLs, {survived} survived; {acknowledged} acknowledged operations found intact, {lost} operations whose answer was lost resolved whole-or-nothing, {resumed} CA requests in flight at a kill completed after the restart");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(30)));
        Assert.True(rounds >= 2, $"only {rounds} kill(s) happened within the time budget");
        Assert.Equal(rounds, survived);
    }

    private async Task SetUpIssuerAsync(RawVault raw)
    {
        RawResponse created = await raw.PutAsync($"/certificates/issuers/{issuer}", new JsonObject { ["provider"] = "DigiCert" });
        Assert.True(created.Status == HttpStatusCode.OK, created.ToString());
        RawResponse simulation = await raw.SendAsync(
            HttpMethod.Put,
            $"/_localvault/simulations/{issuer}",
            new JsonObject { ["delaySeconds"] = CaDelaySeconds, ["outcome"] = "issue", ["honourCancellation"] = false }.ToJsonString(),
            addApiVersion: false,
            withToken: false);
        Assert.True(simulation.Status == HttpStatusCode.OK, simulation.ToString());
    }

    /// <summary>Runs lifecycles on fresh names with concurrent clients and SIGKILLs the vault mid-burst.</summary>
    private async Task<List<NameJournal>> BurstAndKillAsync(VaultProcess vault, RawVault raw, int round, Random random)
    {
        var journals = Enumerable.Range(0, NamesPerRound)
            .Select(i => new NameJournal($"crash{round}-{i}-{Guid.NewGuid():N}"[..30], random.Next(5)))
            .ToList();
        var queue = new ConcurrentQueue<NameJournal>(journals);
        var clock = Stopwatch.StartNew();
        int acks = 0;
        var enoughAcked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var ca = new TestCa($"Crash CA {round}");
        object caLock = new();

        async Task ClientAsync()
        {
            while (queue.TryDequeue(out NameJournal? journal))
            {
                if (!await RunScriptAsync(raw, journal, clock, ca, caLock, () =>
                {
                    if (Interlocked.Increment(ref acks) >= NamesPerRound / 2)
                    {
                        enoughAcked.TrySetResult();
                    }
                }))
                {
                    return; // the vault is gone
                }
            }
        }

        Task[] clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(ClientAsync)).ToArray();
        await Task.WhenAny(enoughAcked.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        await Task.Delay(random.Next(0, 150));
        long killedAt = clock.ElapsedTicks;
        vault.Kill();
        await Task.WhenAll(clients);
        foreach (NameJournal journal in journals)
        {
            journal.KilledAt = killedAt;
        }

        return journals;
    }

    /// <summary>One name's script; false once the vault stopped answering.</summary>
    private async Task<bool> RunScriptAsync(RawVault raw, NameJournal journal, Stopwatch clock, TestCa ca, object caLock, Action acked)
    {
        string name = journal.Name;
        bool viaIssuer = journal.Variant == 3;
        JsonObject policy = viaIssuer ? Policies.With(issuer, $"CN={name}") : Policies.Manual($"CN={name}");
        RawResponse? created = await SendAsync(journal, clock, new CreateOp(name, null), () => raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = policy }), acked);
        if (created is null)
        {
            return false;
        }

        string requestId = KvAssert.Str(created.Json, "request_id");
        journal.Acknowledged[^1] = new CreateOp(name, requestId) { Started = journal.Acknowledged[^1].Started, Finished = journal.Acknowledged[^1].Finished };
        journal.Csr = KvAssert.Str(created.Json, "csr");

        foreach (string step in journal.Variant switch
        {
            0 => new[] { "merge" },
            1 => ["cancel", "delete"],
            2 => ["delete"],
            4 => ["cancel", "merge"],
            _ => [],
        })
        {
            RawResponse? response = step switch
            {
                "cancel" => await SendAsync(journal, clock, new CancelOp(name), () => raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true }), acked),
                "delete" => await SendAsync(journal, clock, new DeletePendingOp(name), () => raw.DeleteAsync($"/certificates/{name}/pending"), acked),
                _ => await MergeAsync(raw, journal, clock, ca, caLock, requestId, acked),
            };
            if (response is null)
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<RawResponse?> MergeAsync(RawVault raw, NameJournal journal, Stopwatch clock, TestCa ca, object caLock, string requestId, Action acked)
    {
        X509Certificate2 leaf;
        lock (caLock)
        {
            leaf = ca.Sign(Convert.FromBase64String(journal.Csr!));
        }

        using (leaf)
        {
            var op = new MergeOp(journal.Name, requestId, Convert.ToBase64String(leaf.RawData));
            return await SendAsync(journal, clock, op, () => raw.PostAsync($"/certificates/{journal.Name}/pending/merge", Chains.X5c(ca.Chain(leaf))), acked);
        }
    }

    /// <summary>Sends one operation: acknowledged on a 2xx, "lost" when the connection dies; null once the vault is gone.</summary>
    private static async Task<RawResponse?> SendAsync(NameJournal journal, Stopwatch clock, LifecycleOp op, Func<Task<RawResponse>> send, Action acked)
    {
        op = op with { Started = clock.ElapsedTicks };
        RawResponse response;
        try
        {
            response = await send();
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            journal.Lost.Add(op);
            return null;
        }

        op.Finished = clock.ElapsedTicks;
        if (response.StatusCode is < 200 or >= 300)
        {
            journal.Unexpected.Add($"{op.GetType().Name} {journal.Name}: {response}");
            return null;
        }

        journal.Acknowledged.Add(op);
        acked();
        return response;
    }

    /// <summary>After a restart: every journal's name is in a state its operations explain; CA requests complete.</summary>
    private static async Task<(int Acknowledged, int Lost, int Resumed)> VerifyAsync(RawVault raw, List<NameJournal> journals, List<string> failures)
    {
        int resumed = 0;
        foreach (NameJournal journal in journals)
        {
            failures.AddRange(journal.Unexpected);
            var impossible = new List<string>();
            NameState observed = await NameState.ObserveAsync(raw, journal.Name, impossible);
            failures.AddRange(impossible);

            if (journal.Variant == 3)
            {
                // A CA-issued request: acknowledged means it exists and the CA completes it after the restart.
                if (observed.HasPending)
                {
                    JsonObject final = await raw.WaitForFinalAsync(journal.Name);
                    string? expected = (journal.Acknowledged.FirstOrDefault() as CreateOp)?.RequestId;
                    if (KvAssert.Str(final, "status") != "completed" || (expected is not null && KvAssert.Str(final, "request_id") != expected))
                    {
                        failures.Add($"{journal.Name}: the CA request did not resume to completion: {final.ToJsonString()}");
                    }
                    else if (journal.Acknowledged.Count > 0 && journal.KilledAt - journal.Acknowledged[0].Finished < Stopwatch.Frequency * CaDelaySeconds)
                    {
                        resumed++; // its CA answer was not yet due when the vault was killed
                    }
                }
                else if (journal.Acknowledged.Count > 0 || observed.CertificateExists)
                {
                    failures.Add($"{journal.Name}: an acknowledged CA request is gone (or half-written): {observed}");
                }

                continue;
            }

            if (!Linearizability.Explains(journal.Acknowledged, journal.Lost, observed))
            {
                failures.Add($"{journal.Name}: state {observed} is not explained by acknowledged [{string.Join(", ", journal.Acknowledged)}] and lost [{string.Join(", ", journal.Lost)}]");
            }
        }

        return (journals.Sum(j => j.Acknowledged.Count), journals.Sum(j => j.Lost.Count), resumed);
    }

    /// <summary>What one client did to one name: a script variant, the acknowledged operations, the one whose answer was lost.</summary>
    private sealed class NameJournal(string name, int variant)
    {
        public string Name { get; } = name;

        /// <summary>0 create+merge, 1 create+cancel+delete, 2 create+delete, 3 create through the simulated CA, 4 create+cancel+merge.</summary>
        public int Variant { get; } = variant;

        public List<LifecycleOp> Acknowledged { get; } = [];

        public List<LifecycleOp> Lost { get; } = [];

        public List<string> Unexpected { get; } = [];

        public string? Csr { get; set; }

        public long KilledAt { get; set; }
    }
}

/// <summary>The crash test starts and kills vault processes of its own.</summary>
[CollectionDefinition(Name)]
public sealed class CrashCollection
{
    public const string Name = "Crash";
}
