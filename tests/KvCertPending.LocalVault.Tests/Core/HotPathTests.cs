using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault.Http;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Core;

/// <summary>
/// The request path made cheaper for GET pending throughput behaves as before: the management-path rule, the bearer
/// check, request ids, and the cached pending body (always the stored state, for the host the client used).
/// </summary>
public sealed class HotPathTests
{
    [Theory]
    [InlineData("/_localvault/simulations/x", true)]
    [InlineData("/_LocalVault", true)]
    [InlineData("/metadata/identity/oauth2/token", true)]
    [InlineData("/tenant-1/oauth2/v2.0/token", true)]
    [InlineData("//tenant-1//discovery/instance", true)]
    [InlineData("/tenant-1/v2.0/.well-known/openid-configuration", true)]
    [InlineData("/tenant-1/v2.0/.well-known/openid-configuration/more", false)]
    [InlineData("/tenant-1/v2.0/.Well-Known/openid-configuration", false)]
    [InlineData("/tenant-1/OAUTH2/v2.0/token", false)]
    [InlineData("/certificates/oauth2/pending", false)]
    [InlineData("/Certificates/discovery", false)]
    [InlineData("/deletedcertificates/oauth2", false)]
    [InlineData("/secrets/oauth2", false)]
    [InlineData("/KEYS/discovery", false)]
    [InlineData("/certificates/name/pending", false)]
    [InlineData("/certificates", false)]
    [InlineData("/", false)]
    [InlineData("", false)]
    [InlineData("/_localvaultx/simulations", false)]
    public void ManagementPathsAreRecognisedSegmentBySegment(string path, bool management) =>
        Assert.Equal(management, ManagementPath.IsManagement(new PathString(path)));

    [Fact]
    public void RequestIdsAreDistinctVersion4Uuids()
    {
        var ids = Enumerable.Range(0, 2000).Select(_ => RequestIdentity.NewRequestId()).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id =>
        {
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
        });
    }

    [Theory]
    [InlineData("Bearer    ", HttpStatusCode.Unauthorized)]
    [InlineData("Bearer", HttpStatusCode.Unauthorized)]
    [InlineData("Bearerx token", HttpStatusCode.Unauthorized)]
    [InlineData("bearer   spaced-token   ", HttpStatusCode.NotFound)]
    [InlineData("BEARER t", HttpStatusCode.NotFound)]
    public async Task TheBearerCheckWantsANonBlankTokenAfterTheScheme(string authorization, HttpStatusCode expected)
    {
        await using var vault = await CoreVault.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/certificates/absent/pending?api-version=7.6");
        Assert.True(request.Headers.TryAddWithoutValidation("Authorization", authorization));
        using var response = await vault.Http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.Unauthorized, response.Headers.WwwAuthenticate.Count > 0);
    }

    [Fact]
    public async Task ACachedPendingBodyAlwaysShowsTheStoredStateForTheHostUsed()
    {
        await using var vault = await CoreVault.StartAsync();
        await vault.Client.StartCreateCertificateAsync("hot-path", new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=hot-path"));
        const string Path = "/certificates/hot-path/pending?api-version=7.6";

        var first = await vault.GetJsonAsync(Path);
        var again = await vault.GetJsonAsync("/certificates/HOT-PATH/pending?api-version=7.6");
        Assert.Equal(first.GetRawText(), again.GetRawText());
        Assert.False(first.GetProperty("cancellation_requested").GetBoolean());
        Assert.StartsWith($"https://localhost:{vault.Server.Port}/", first.GetProperty("id").GetString(), StringComparison.Ordinal);

        // Another host name for the same vault: the URLs in the body follow it.
        using (var other = await vault.SendAsync(HttpMethod.Get, $"https://127.0.0.1:{vault.Server.Port}{Path}"))
        {
            using var body = JsonDocument.Parse(await other.Content.ReadAsStringAsync());
            Assert.Equal($"https://127.0.0.1:{vault.Server.Port}/certificates/hot-path/pending", body.RootElement.GetProperty("id").GetString());
        }

        // A change is visible on the very next read; so is the removal.
        using (var cancel = await vault.SendAsync(HttpMethod.Patch, Path, """{"cancellation_requested":true}"""))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        Assert.True((await vault.GetJsonAsync(Path)).GetProperty("cancellation_requested").GetBoolean());
        using (var removed = await vault.SendAsync(HttpMethod.Delete, Path))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        using var gone = await vault.SendAsync(HttpMethod.Get, Path);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
}
