using System.Net;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Lifecycle;

/// <summary>What happens to a CA request still in flight when the objects around it change.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class InFlightTests(VaultFixture fixture)
{
    private const double CaDelaySeconds = 0.5;

    private VaultConnection Vault => fixture.Vault;

    [Fact]
    public async Task DeletedPending_DoesNotComeBack_WhenTheCaAnswersLater()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: CaDelaySeconds);
        string name = Names.New("fly-del");
        await Vault.CreateRawAsync(name, Policies.With(issuer));
        Assert.Equal(HttpStatusCode.OK, (await Vault.Raw.DeleteAsync($"/certificates/{name}/pending")).Status);

        await CaHasAnsweredAsync(issuer);

        KvAssert.Error(await Vault.GetPendingAsync(name), HttpStatusCode.NotFound, "PendingCertificateNotFound");
        RawResponse bundle = await Vault.Raw.GetAsync($"/certificates/{name}");
        Assert.Equal(HttpStatusCode.OK, bundle.Status);
        Assert.Null(bundle.Json["pending"]);
    }

    [Fact]
    public async Task DeletedCertificate_IsNotResurrected_WhenTheCaAnswersLater()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: CaDelaySeconds);
        string name = Names.New("fly-cert");
        await Vault.CreateRawAsync(name, Policies.With(issuer));
        Assert.Equal(HttpStatusCode.OK, (await Vault.Raw.DeleteAsync($"/certificates/{name}")).Status);

        await CaHasAnsweredAsync(issuer);

        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/{name}"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await Vault.Raw.GetAsync($"/deletedcertificates/{name}")).Status);
        KvAssert.Error(
            await Vault.Raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = Policies.Self() }),
            HttpStatusCode.Conflict,
            "Conflict");
    }

    [Fact]
    public async Task OverwrittenRequest_OldCaAnswerDoesNotTouchTheNewOne()
    {
        // A cancelled request is not inProgress, so a new create overwrites it; the old CA answer must not land on the new one.
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: CaDelaySeconds * 4, honourCancellation: true);
        string name = Names.New("fly-over");
        await Vault.CreateRawAsync(name, Policies.With(issuer));
        await Vault.Raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true });
        Assert.Equal("cancelled", KvAssert.Str(await Vault.WaitForFinalAsync(name), "status"));

        JsonObject second = await Vault.CreateRawAsync(name, Policies.Manual("CN=second"));
        await CaHasAnsweredAsync(issuer);

        RawResponse pending = await Vault.GetPendingAsync(name);
        Assert.True(JsonNode.DeepEquals(second, pending.Json), pending.Body);
        Assert.Null((await Vault.Raw.GetAsync($"/certificates/{name}")).Json["cer"]);
    }

    [Fact]
    public async Task Names_AreCaseInsensitive_AsInKeyVault()
    {
        string name = Names.New("CaseName");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.Manual());

        RawResponse lower = await Vault.GetPendingAsync(name.ToLowerInvariant());
        Assert.True(lower.Status == HttpStatusCode.OK, lower.ToString());
        Assert.Equal(KvAssert.Str(created, "request_id"), KvAssert.Str(lower.Json, "request_id"));

        KvAssert.Error(
            await Vault.Raw.PostAsync($"/certificates/{name.ToUpperInvariant()}/create", new JsonObject { ["policy"] = Policies.Manual() }),
            HttpStatusCode.Conflict,
            "Conflict");
    }

    /// <summary>
    /// Waits until the simulated CA has answered a control request made after the one under test with the same
    /// issuer (so due later): by then the CA has had its turn on the request under test too.
    /// </summary>
    private async Task CaHasAnsweredAsync(string issuer)
    {
        string control = Names.New("fly-control");
        await Vault.CreateRawAsync(control, Policies.With(issuer));
        Assert.Equal("completed", KvAssert.Str(await Vault.WaitForFinalAsync(control), "status"));
    }
}
