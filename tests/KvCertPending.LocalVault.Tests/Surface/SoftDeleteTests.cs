using System.Net;
using System.Text.Json.Nodes;
using Azure.Security.KeyVault.Certificates;
using Azure.Security.KeyVault.Secrets;
using KvCertPending.LocalVault.Tests.Infrastructure;
using KvCertPending.LocalVault.Tests.Reliability;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Surface;

/// <summary>
/// Soft delete is a setting of the vault, as on Azure (issue 15): LocalVaultOptions.SoftDeleteRetentionDays and
/// --soft-delete-days; recoveryLevel and recoverableDays follow it, and without it a delete is final. Each test has a
/// vault of its own.
/// </summary>
public sealed class SoftDeleteTests
{
    private const long Day = 86_400;

    [Theory]
    [InlineData(null, "Purgeable", null)]
    [InlineData(0, "Purgeable", null)]
    [InlineData(7, "CustomizedRecoverable+Purgeable", 7)]
    [InlineData(89, "CustomizedRecoverable+Purgeable", 89)]
    [InlineData(90, "Recoverable+Purgeable", 90)]
    public async Task RecoveryLevel_AndRecoverableDays_FollowTheVaultsSoftDelete(int? days, string level, int? recoverableDays)
    {
        await using VaultFixture own = await StartAsync(days);
        VaultConnection vault = own.Vault;
        string name = Names.New("rl");
        await vault.CreateRawAsync(name, Policies.Self("CN=rl.contoso.com"));
        AssertRecovery((await GetOkAsync(vault, $"/certificates/{name}")).Json, level, recoverableDays);
        await vault.WaitForFinalAsync(name);

        JsonNode bundle = (await GetOkAsync(vault, $"/certificates/{name}")).Json;
        string id = KvAssert.Str(bundle, "id");
        JsonNode[] shapes =
        [
            bundle,
            (await GetOkAsync(vault, id[vault.Raw.BaseUrl.Length..])).Json,
            Assert.Single((await GetOkAsync(vault, "/certificates")).Json["value"]!.AsArray())!,
            Assert.Single((await GetOkAsync(vault, $"/certificates/{name}/versions")).Json["value"]!.AsArray())!,
            (await GetOkAsync(vault, $"/secrets/{name}")).Json,
        ];
        foreach (JsonNode shape in shapes)
        {
            AssertRecovery(shape, level, recoverableDays);
        }

        // The SDKs read the same.
        KeyVaultCertificateWithPolicy certificate = await vault.Certificates.GetCertificateAsync(name);
        Assert.Equal(level, certificate.Properties.RecoveryLevel);
        Assert.Equal(recoverableDays, certificate.Properties.RecoverableDays);
        KeyVaultSecret secret = await vault.Secrets.GetSecretAsync(name);
        Assert.Equal(level, secret.Properties.RecoveryLevel);
        Assert.Equal(recoverableDays, secret.Properties.RecoverableDays);
    }

    [Fact]
    public async Task WithoutSoftDelete_DeleteIsFinal_AndTheNameIsFreeAtOnce()
    {
        await using VaultFixture own = await StartAsync(0);
        VaultConnection vault = own.Vault;
        string name = Names.New("final");
        await vault.CreateRawAsync(name, Policies.Self("CN=final.contoso.com"));
        await vault.WaitForFinalAsync(name);
        string id = KvAssert.Str((await GetOkAsync(vault, $"/certificates/{name}")).Json, "id");

        RawResponse deleted = await vault.Raw.DeleteAsync($"/certificates/{name}");
        Assert.True(deleted.Status == HttpStatusCode.OK, $"DELETE: {deleted}");
        foreach (string absent in new[] { "recoveryId", "deletedDate", "scheduledPurgeDate" })
        {
            Assert.False(deleted.Object.ContainsKey(absent), $"'{absent}' in the answer of a vault without soft delete: {deleted.Body}");
        }

        Assert.Equal(id, KvAssert.Str(deleted.Json, "id"));
        Assert.NotNull(deleted.Json["cer"]);
        AssertRecovery(deleted.Json, "Purgeable", null);

        KvAssert.Error(await vault.Raw.GetAsync($"/certificates/{name}"), HttpStatusCode.NotFound, "CertificateNotFound");
        KvAssert.Error(await vault.GetPendingAsync(name), HttpStatusCode.NotFound);
        KvAssert.Error(await vault.Raw.GetAsync($"/deletedcertificates/{name}"), HttpStatusCode.NotFound);
        Assert.Empty((await GetOkAsync(vault, "/deletedcertificates")).Json["value"]!.AsArray());
        KvAssert.Error(await vault.Raw.PostAsync($"/deletedcertificates/{name}/recover", null), HttpStatusCode.NotFound);
        KvAssert.Error(await vault.Raw.DeleteAsync($"/deletedcertificates/{name}"), HttpStatusCode.NotFound);
        await vault.CreateRawAsync(name, Policies.Self("CN=final.contoso.com"));

        // The SDK's delete operation is done at once (nothing to wait for without a recoveryId).
        string viaSdk = Names.New("finalsdk");
        await vault.CreateRawAsync(viaSdk, Policies.Manual());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        DeleteCertificateOperation operation = await vault.Certificates.StartDeleteCertificateAsync(viaSdk, timeout.Token);
        Assert.True(operation.HasCompleted, "the SDK waits for a soft delete a vault without it never does");
        DeletedCertificate gone = await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(100), timeout.Token);
        Assert.Null(gone.RecoveryId);
        Assert.Null(gone.DeletedOn);
        Assert.Null(gone.ScheduledPurgeDate);
        await vault.Certificates.StartCreateCertificateAsync(viaSdk, new CertificatePolicy("Unknown", "CN=again.contoso.com"), cancellationToken: timeout.Token);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(30)]
    [InlineData(90)]
    public async Task WithSoftDelete_ScheduledPurgeDateIsTheRetentionAfterTheDelete(int days)
    {
        await using VaultFixture own = await StartAsync(days);
        await AssertSoftDeleteAsync(own.Vault, days);
    }

    [Fact]
    public async Task ByDefault_AVaultKeepsNinetyDaysOfSoftDelete_AsBefore()
    {
        Assert.Equal(90, new LocalVaultOptions().SoftDeleteRetentionDays);
        await using VaultFixture own = await VaultFixture.StartAsync(_ => { });
        await AssertSoftDeleteAsync(own.Vault, 90);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(91)]
    [InlineData(365)]
    public async Task ARetentionOutside7To90Days_StopsTheStart_BeforeAnythingIsCreated(int days)
    {
        string directory = Path.Combine(Path.GetTempPath(), "kvcp-softdelete-" + Guid.NewGuid().ToString("N"));
        ArgumentOutOfRangeException refused = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => LocalVaultServer.StartAsync(new LocalVaultOptions { Port = 0, DataDirectory = directory, LogRequests = false, SoftDeleteRetentionDays = days }));
        Assert.Contains("7-90 days", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory), "the data folder was created despite the bad setting");
    }

    [Theory]
    [InlineData("0", "Purgeable")]
    [InlineData("7", "CustomizedRecoverable+Purgeable")]
    public async Task TheCommandLine_SetsTheSoftDelete(string days, string level)
    {
        string directory = VaultHost.NewDataDirectory();
        try
        {
            using VaultProcess process = await VaultProcess.StartAsync(directory, "--soft-delete-days", days);
            using var raw = new RawVault(process.VaultUri, process.TlsCertificate);
            string name = Names.New("cli");
            RawResponse created = await raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = Policies.Manual() });
            Assert.True(created.Status == HttpStatusCode.Accepted, $"create: {created}");

            RawResponse deleted = await raw.DeleteAsync($"/certificates/{name}");
            Assert.True(deleted.Status == HttpStatusCode.OK, $"DELETE: {deleted}");
            Assert.Equal(level, KvAssert.Str(deleted.Json["attributes"], "recoveryLevel"));
            Assert.Equal(days != "0", deleted.Object.ContainsKey("recoveryId"));
            Assert.Equal(days == "0" ? HttpStatusCode.NotFound : HttpStatusCode.OK, (await raw.GetAsync($"/deletedcertificates/{name}")).Status);
        }
        finally
        {
            VaultHost.DeleteDataDirectory(directory);
        }
    }

    [Theory]
    [InlineData("5")]
    [InlineData("91")]
    [InlineData("-7")]
    [InlineData("ninety")]
    public Task TheCommandLine_RefusesARetentionOutside7To90Days(string days) =>
        VaultHost.AssertCommandLineRefusedAsync("Unknown or incomplete argument '--soft-delete-days'", "--soft-delete-days", days);

    /// <summary>A vault of the test's own with this soft delete; a small key pool, since it makes only a few certificates.</summary>
    private static Task<VaultFixture> StartAsync(int? days) => VaultFixture.StartAsync(options =>
    {
        options.SoftDeleteRetentionDays = days;
        options.KeyPool.Sizes[KeyPoolOptions.DefaultSpec] = 2;
    });

    /// <summary>Deletes a certificate: recoverable for exactly <paramref name="days"/>, then recovered.</summary>
    private static async Task AssertSoftDeleteAsync(VaultConnection vault, int days)
    {
        string name = Names.New("soft");
        await vault.CreateRawAsync(name, Policies.Manual());
        RawResponse deleted = await vault.Raw.DeleteAsync($"/certificates/{name}");
        Assert.True(deleted.Status == HttpStatusCode.OK, $"DELETE: {deleted}");
        Assert.Equal($"{vault.Raw.BaseUrl}/deletedcertificates/{name}", KvAssert.Str(deleted.Json, "recoveryId"));
        long deletedDate = deleted.Json["deletedDate"]!.GetValue<long>();
        Assert.Equal(deletedDate + (days * Day), deleted.Json["scheduledPurgeDate"]!.GetValue<long>());
        AssertRecovery(deleted.Json, days == 90 ? "Recoverable+Purgeable" : "CustomizedRecoverable+Purgeable", days);

        JsonNode got = (await GetOkAsync(vault, $"/deletedcertificates/{name}")).Json;
        Assert.Equal(deletedDate + (days * Day), got["scheduledPurgeDate"]!.GetValue<long>());
        DeletedCertificate sdk = await vault.Certificates.GetDeletedCertificateAsync(name);
        Assert.Equal(days, sdk.Properties.RecoverableDays);
        Assert.Equal(HttpStatusCode.OK, (await vault.Raw.PostAsync($"/deletedcertificates/{name}/recover", null)).Status);
        Assert.Equal(HttpStatusCode.OK, (await vault.Raw.GetAsync($"/certificates/{name}")).Status);
    }

    private static void AssertRecovery(JsonNode node, string level, int? recoverableDays)
    {
        JsonNode attributes = node["attributes"]!;
        Assert.Equal(level, KvAssert.Str(attributes, "recoveryLevel"));
        Assert.Equal(recoverableDays, attributes["recoverableDays"]?.GetValue<int>());
        Assert.True(recoverableDays is not null || !attributes.AsObject().ContainsKey("recoverableDays"), $"recoverableDays without soft delete: {node.ToJsonString()}");
    }

    private static async Task<RawResponse> GetOkAsync(VaultConnection vault, string path)
    {
        RawResponse response = await vault.Raw.GetAsync(path);
        Assert.True(response.Status == HttpStatusCode.OK, $"GET {path}: {response}");
        return response;
    }
}
