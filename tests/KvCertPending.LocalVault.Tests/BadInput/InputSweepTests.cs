using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace KvCertPending.LocalVault.Tests.BadInput;

/// <summary>A seeded sweep of a few hundred mutated requests: never a 5xx, every error Key Vault-shaped, the vault still answers.</summary>
[Collection(BadInputCollection.Name)]
public sealed class InputSweepTests(VaultFixture fixture, ITestOutputHelper output)
{
    private const int Seed = 20261123;
    private const int Requests = 600;

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
        for (int i = 0; i < Requests; i++)
        {
            SweepRequest request = generator.Next();
            RawResponse response;
            try
            {
                response = await Vault.Raw.SendAsync(request.Method, request.Path, request.Body, addApiVersion: request.AddApiVersion, contentType: request.ContentType);
            }
            catch (UriFormatException)
            {
                continue; // the client cannot even form this URL: not an input the vault can see
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

        output.WriteLine($"Sweep seed {Seed}: {tried} inputs tried; statuses: {string.Join(", ", statuses.Select(s => $"{s.Key}x{s.Value}"))}");
        Console.WriteLine($"[vault input sweep] seed {Seed}: {tried} inputs tried");

        Assert.True(failures.Count == 0, $"{failures.Count} of {tried} inputs failed:\n" + string.Join("\n", failures.Take(25)));
        Assert.True(tried >= Requests * 9 / 10, $"only {tried} of {Requests} inputs could be sent");

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
