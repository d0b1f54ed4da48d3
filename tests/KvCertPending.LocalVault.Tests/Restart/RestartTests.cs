using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Restart;

/// <summary>Durable state: stop the vault, start a new one on the same data folder, everything is there.</summary>
[Collection(RestartCollection.Name)]
public sealed class RestartTests : IAsyncLifetime
{
    private readonly string dataDirectory = VaultHost.NewDataDirectory();
    private LocalVaultServer? server;
    private VaultConnection? vault;

    public async Task InitializeAsync()
    {
        server = await VaultHost.StartAsync(dataDirectory);
        vault = new VaultConnection(server);
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        VaultHost.DeleteDataDirectory(dataDirectory);
    }

    [Fact]
    public async Task Restart_KeepsEverything_AndInProgressRequestStillCompletes()
    {
        VaultConnection v = vault!;
        string issuer = await v.CreateIssuerAsync(delaySeconds: 1.5, provider: "GlobalSign");
        string slowIssuer = await v.CreateIssuerAsync(delaySeconds: 4, provider: "DigiCert");
        string failingIssuer = await v.CreateIssuerAsync(delaySeconds: 0.2, outcome: "fail");

        string completed = Names.New("rs-done");
        await v.CreateRawAsync(completed, Policies.Self("CN=rs-done"));
        await v.WaitForFinalAsync(completed);
        await v.CreateRawAsync(completed, Policies.Self("CN=rs-done-2"));
        await v.WaitForFinalAsync(completed);

        string manual = Names.New("rs-manual");
        await v.CreateRawAsync(manual, Policies.Manual("CN=rs-manual"));

        string cancelRequested = Names.New("rs-cancel");
        await v.CreateRawAsync(cancelRequested, Policies.Manual());
        await v.Raw.PatchAsync($"/certificates/{cancelRequested}/pending", new JsonObject { ["cancellation_requested"] = true });

        string failed = Names.New("rs-failed");
        await v.CreateRawAsync(failed, Policies.With(failingIssuer));
        await v.WaitForFinalAsync(failed);

        string deleted = Names.New("rs-deleted");
        await v.CreateRawAsync(deleted, Policies.Self());
        await v.WaitForFinalAsync(deleted);
        Assert.Equal(HttpStatusCode.OK, (await v.Raw.DeleteAsync($"/certificates/{deleted}")).Status);

        // Two CA requests in flight across the restart: one falls due while stopped, one after the restart.
        string dueWhileStopped = Names.New("rs-due");
        JsonObject dueCreated = await v.CreateRawAsync(dueWhileStopped, Policies.With(issuer, "CN=rs-due"));
        string dueAfter = Names.New("rs-after");
        await v.CreateRawAsync(dueAfter, Policies.With(slowIssuer, "CN=rs-after"));

        string[] names = [completed, manual, cancelRequested, failed];
        Dictionary<string, StateSnapshot> before = [];
        foreach (string name in names.Append(deleted))
        {
            before[name] = await StateSnapshot.TakeAsync(v, name);
        }

        string issuersBefore = (await v.Raw.GetAsync("/certificates/issuers")).Body;
        string issuerBefore = (await v.Raw.GetAsync($"/certificates/issuers/{issuer}")).Body;
        byte[] tlsBefore = server!.TlsCertificate.RawData;
        string caBefore = await v.ReadCaRootPemAsync();
        string oldBase = v.Raw.BaseUrl;

        await StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.6)); // let the first CA request fall due while the vault is down
        server = await VaultHost.StartAsync(dataDirectory);
        vault = new VaultConnection(server);
        v = vault;
        string newBase = v.Raw.BaseUrl;

        Assert.Equal(tlsBefore, server.TlsCertificate.RawData);
        Assert.Equal(caBefore, await v.ReadCaRootPemAsync());

        foreach ((string name, StateSnapshot snapshot) in before)
        {
            StateSnapshot after = await StateSnapshot.TakeAsync(v, name);
            Assert.Equal(Rebase(snapshot, oldBase, newBase), after);
        }

        Assert.Equal(issuersBefore.Replace(oldBase, newBase, StringComparison.Ordinal), (await v.Raw.GetAsync("/certificates/issuers")).Body);
        Assert.Equal(issuerBefore.Replace(oldBase, newBase, StringComparison.Ordinal), (await v.Raw.GetAsync($"/certificates/issuers/{issuer}")).Body);

        // The simulation settings survived too.
        RawResponse simulation = await v.Raw.SendAsync(HttpMethod.Get, $"/_localvault/simulations/{slowIssuer}", null, addApiVersion: false, withToken: false);
        Assert.Equal(HttpStatusCode.OK, simulation.Status);
        Assert.Equal(4, simulation.Json["delaySeconds"]!.GetValue<double>());

        // In-flight CA requests complete after the restart, with the key made before it.
        JsonObject dueFinal = await v.WaitForFinalAsync(dueWhileStopped);
        Assert.Equal("completed", KvAssert.Str(dueFinal, "status"));
        Assert.Equal(KvAssert.Str(dueCreated, "request_id"), KvAssert.Str(dueFinal, "request_id"));
        Assert.Equal("completed", KvAssert.Str(await v.WaitForFinalAsync(dueAfter), "status"));

        KeyVaultCertificateWithPolicy issued = await v.Certificates.GetCertificateAsync(dueWhileStopped);
        CertificateRequest csr = Asn.LoadCsr(Convert.FromBase64String(KvAssert.Str(dueCreated, "csr")));
        using var leaf = X509CertificateLoader.LoadCertificate(issued.Cer);
        Assert.Equal(Asn.PublicKeyOf(csr), Asn.PublicKeyOf(leaf));

        // The manual request made before the restart still merges (its private key was kept).
        JsonObject manualPending = (await v.GetPendingAsync(manual)).Object;
        IReadOnlyList<byte[]> chain = await v.SignWithLocalCaAsync(Convert.FromBase64String(KvAssert.Str(manualPending, "csr")));
        KeyVaultCertificateWithPolicy merged = await v.Certificates.MergeCertificateAsync(new MergeCertificateOptions(manual, chain));
        Assert.Equal(chain[0], merged.Cer);
        Azure.Security.KeyVault.Secrets.KeyVaultSecret secret = await v.Secrets.GetSecretAsync(manual);
        using X509Certificate2 withKey = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(secret.Value), null);
        Assert.True(withKey.HasPrivateKey);
        Assert.Equal(chain[0], withKey.RawData);

        // The deleted certificate can still be recovered.
        RecoverDeletedCertificateOperation recovering = await v.Certificates.StartRecoverDeletedCertificateAsync(deleted);
        await recovering.WaitForCompletionAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, (await v.Raw.GetAsync($"/certificates/{deleted}")).Status);
    }

    private static StateSnapshot Rebase(StateSnapshot snapshot, string oldBase, string newBase) => new(
        snapshot.Certificate.Replace(oldBase, newBase, StringComparison.Ordinal),
        snapshot.Pending.Replace(oldBase, newBase, StringComparison.Ordinal),
        snapshot.Versions.Replace(oldBase, newBase, StringComparison.Ordinal),
        snapshot.Deleted.Replace(oldBase, newBase, StringComparison.Ordinal),
        snapshot.Issuer.Replace(oldBase, newBase, StringComparison.Ordinal));

    private async Task StopAsync()
    {
        vault?.Dispose();
        vault = null;
        if (server is not null)
        {
            await server.StopAsync();
            await server.DisposeAsync();
            server = null;
        }
    }
}

/// <summary>Restart tests start and stop their own vaults.</summary>
[CollectionDefinition(Name)]
public sealed class RestartCollection
{
    public const string Name = "Restart";
}
