using System.Net;
using System.Net.Http;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Core;

/// <summary>Injected faults: throttling, and connections dropped before or after the request is handled.</summary>
public sealed class FaultInjectionTests : IClassFixture<CoreVaultFixture>
{
    private const string ManualPolicy = "{\"policy\":{\"key_props\":{\"kty\":\"EC\"},\"x509_props\":{\"subject\":\"CN=fault\"},\"issuer\":{\"name\":\"Unknown\"}}}";
    private readonly CoreVault _vault;

    public FaultInjectionTests(CoreVaultFixture fixture) => _vault = fixture.Vault;

    [Fact]
    public async Task ThrottleForTheNextRequestOnlyThenNormalService()
    {
        await _vault.Client.StartCreateCertificateAsync("fault-throttle", new Azure.Security.KeyVault.Certificates.CertificatePolicy("Unknown", "CN=t"));
        _vault.Server.InjectFault(new VaultFault(VaultFaultKind.Throttle) { PathPrefix = "/certificates/fault-throttle", Count = 1, RetryAfterSeconds = 2 });

        using var throttled = await _vault.SendAsync(HttpMethod.Get, "certificates/fault-throttle/pending?api-version=7.6");
        using var normal = await _vault.SendAsync(HttpMethod.Get, "certificates/fault-throttle/pending?api-version=7.6");

        Assert.Equal((HttpStatusCode)429, throttled.StatusCode);
        Assert.Equal("2", throttled.Headers.GetValues("Retry-After").Single());
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
    }

    [Fact]
    public async Task DropAfterHandlingKeepsTheChangeDropBeforeDoesNot()
    {
        _vault.Server.InjectFault(new VaultFault(VaultFaultKind.DropAfterHandling) { Method = "POST", PathPrefix = "/certificates/fault-after", Count = 1 });
        _vault.Server.InjectFault(new VaultFault(VaultFaultKind.DropBeforeHandling) { Method = "POST", PathPrefix = "/certificates/fault-before", Count = 1 });

        await Assert.ThrowsAsync<HttpRequestException>(() => _vault.SendAsync(HttpMethod.Post, "certificates/fault-after/create?api-version=7.6", ManualPolicy));
        await Assert.ThrowsAsync<HttpRequestException>(() => _vault.SendAsync(HttpMethod.Post, "certificates/fault-before/create?api-version=7.6", ManualPolicy));

        Assert.Equal("inProgress", (await _vault.GetJsonAsync("certificates/fault-after/pending?api-version=7.6")).GetProperty("status").GetString());
        using var missing = await _vault.SendAsync(HttpMethod.Get, "certificates/fault-before/pending?api-version=7.6");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task ManagementEndpointAddsListsAndClearsFaults()
    {
        using var added = await _vault.Http.PostAsync("_localvault/faults", new StringContent("{\"kind\":\"unavailable\",\"pathPrefix\":\"/certificates/fault-mgmt\",\"rate\":1}"));
        using var bad = await _vault.Http.PostAsync("_localvault/faults", new StringContent("{\"kind\":\"explode\"}"));
        using var unavailable = await _vault.SendAsync(HttpMethod.Get, "certificates/fault-mgmt/pending?api-version=7.6");
        using var cleared = await _vault.Http.DeleteAsync("_localvault/faults");
        using var afterClear = await _vault.SendAsync(HttpMethod.Get, "certificates/fault-mgmt/pending?api-version=7.6");

        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        Assert.True(unavailable.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.NotFound, afterClear.StatusCode);
    }
}
