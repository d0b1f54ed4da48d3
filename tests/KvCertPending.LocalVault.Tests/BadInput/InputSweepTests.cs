using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace KvCertPending.LocalVault.Tests.BadInput;

/// <summary>A seeded sweep of a few hundred mutated requests: never a 5xx, every error Key Vault-shaped and without a state change, the vault still answers.</summary>
[Collection(BadInputCollection.Name)]
public sealed class InputSweepTests(VaultFixture fixture, ITestOutputHelper output)
{
    private const int Seed = 20261123;
    private const int Requests = 600;

    private static readonly Regex ValidName = new("^[0-9a-zA-Z-]{1,127}$", RegexOptions.CultureInvariant);

    private VaultConnection Vault => fixture.Vault;

    [Fact]
    public async Task MutatedRequests_NeverServerError_AlwaysShapedErrors()
    {
        string pending = Names.New("swp");
        string done = Names.New("swd");
        await Vault.CreateRawAsync(pending, Policies.Manual());
        await Vault.CreateRawAsync(done, Policies.Self());
        await Vault.WaitForFinalAsync(done);
        string untouched = Names.New("swu");
        await Vault.CreateRawAsync(untouched, Policies.Self());
        JsonObject untouchedBefore = await Vault.WaitForFinalAsync(untouched);

        var generator = new RequestMutator(Seed, [pending, done]);
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        int tried = 0;
        int stateChecked = 0;
        for (int i = 0; i < Requests; i++)
        {
            SweepRequest request = generator.Next();
            bool checkState = ValidName.IsMatch(request.Name);
            StateSnapshot? before = checkState ? await SettledSnapshotAsync(request.Name) : null;
            RawResponse response;
            try
            {
                response = await Vault.Raw.SendAsync(
                    request.Method,
                    request.Path,
                    request.Body,
                    r =>
                    {
                        if (!string.IsNullOrEmpty(request.Authorization))
                        {
                            r.Headers.TryAddWithoutValidation("Authorization", request.Authorization);
                        }
                    },
                    addApiVersion: request.AddApiVersion,
                    withToken: request.Authorization is null,
                    contentType: request.ContentType);
            }
            catch (UriFormatException)
            {
                continue; // the client cannot even form this URL: not an input the vault can see
            }

            if (before is not null && response.StatusCode is >= 400 and < 500)
            {
                stateChecked++;
                StateSnapshot after = await StateSnapshot.TakeAsync(Vault, request.Name);
                if (after != before)
                {
                    failures.Add($"#{i} {response.StatusCode} changed state for {request}:\n  before {before}\n  after  {after}");
                }
            }

            tried++;
            statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
            if (response.StatusCode >= 500)
            {
                failures.Add($"#{i} {response.StatusCode} for {request}: {response.Body}");
            }
            else if (response.StatusCode >= 400 && request.Method != HttpMethod.Head && !RejectedByKestrel(request, response) && !IsShapedError(response))
            {
                failures.Add($"#{i} unshaped {response.StatusCode} for {request}: {response.Body}");
            }
        }

        string summary = $"Sweep seed {Seed}: {tried} inputs tried, {stateChecked} refusals checked for no state change; statuses: {string.Join(", ", statuses.Select(s => $"{s.Key}x{s.Value}"))}";
        output.WriteLine(summary);
        Console.WriteLine($"[vault input sweep] {summary}");

        Assert.True(failures.Count == 0, $"{failures.Count} of {tried} inputs failed:\n" + string.Join("\n", failures.Take(25)));
        Assert.True(tried >= Requests * 9 / 10, $"only {tried} of {Requests} inputs could be sent");
        Assert.True(stateChecked >= tried / 4, $"only {stateChecked} refusals were checked for state");

        // The process still answers, and what the sweep did not touch is as it was.
        RawResponse alive = await Vault.Raw.GetAsync("/certificates?maxresults=1");
        Assert.Equal(HttpStatusCode.OK, alive.Status);
        RawResponse stillThere = await Vault.GetPendingAsync(untouched);
        Assert.True(JsonNode.DeepEquals(untouchedBefore, stillThere.Json), stillThere.ToString());
    }

    /// <summary>
    /// A NUL byte in the path is refused by Kestrel itself (400, empty body) before any application code runs: the
    /// vault cannot shape that answer, and it is still a 4xx with no state change.
    /// </summary>
    private static bool RejectedByKestrel(SweepRequest request, RawResponse response) =>
        response.Status == HttpStatusCode.BadRequest && response.Body.Length == 0 && request.Path.Contains("%00", StringComparison.Ordinal);

    /// <summary>A snapshot once any CA work on the name is over (a Self or issuer request completes on its own).</summary>
    private async Task<StateSnapshot> SettledSnapshotAsync(string name)
    {
        RawResponse pending = await Vault.GetPendingAsync(name);
        if (pending.Status == HttpStatusCode.OK
            && pending.Json["status"]?.GetValue<string>() == "inProgress"
            && pending.Json["issuer"]?["name"]?.GetValue<string>() != "Unknown")
        {
            await Vault.WaitForFinalAsync(name);
        }

        return await StateSnapshot.TakeAsync(Vault, name);
    }

    private static bool IsShapedError(RawResponse response)
    {
        try
        {
            JsonObject body = response.Object;
            return body.Count == 1
                && body["error"] is JsonObject error
                && error["code"]?.GetValueKind() == JsonValueKind.String
                && error["message"]?.GetValueKind() == JsonValueKind.String;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }
}
