using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Lifecycle;

/// <summary>The eleven scenarios of the spec, end to end, through the real CertificateClient (raw HTTP where the SDK hides the shape).</summary>
[Collection(LifecycleCollection.Name)]
public sealed class ScenarioTests(VaultFixture fixture)
{
    private VaultConnection Vault => fixture.Vault;

    private string Base => Vault.Raw.BaseUrl;

    [Fact]
    public async Task S01_CreateWithSupportedIssuer_Accepted_InProgress()
    {
        await Vault.CreateIssuerAsync(delaySeconds: 300, provider: "DigiCert", name: "mydigicert");
        string name = Names.New("s01");

        CertificateOperation operation = await Vault.Certificates.StartCreateCertificateAsync(
            name,
            new CertificatePolicy("mydigicert", "CN=s01.contoso.com") { CertificateType = "OV-SSL" });

        RecordedExchange raw = Vault.Recorder.Last("POST", $"/certificates/{name}/create");
        Assert.Equal(202, raw.Status);
        string requestId = operation.Properties.RequestId;
        Assert.Matches("^[0-9a-f]{32}$", requestId);
        string? sdkApiVersion = System.Web.HttpUtility.ParseQueryString(raw.Query)["api-version"];
        Assert.Equal($"{Base}/certificates/{name}/pending?api-version={sdkApiVersion}&request_id={requestId}", raw.Header("Location"));
        Assert.NotNull(raw.Header("Retry-After"));

        Assert.Equal("inProgress", operation.Properties.Status);
        Assert.False(operation.Properties.CancellationRequested);
        Assert.Equal(KvAssert.InProgressDetails, operation.Properties.StatusDetails);
        Assert.Equal("mydigicert", operation.Properties.IssuerName);
        Assert.False(operation.HasCompleted);

        JsonObject body = (await Vault.GetPendingAsync(name)).Object;
        KvAssert.PendingShape(body, "inProgress");
        Assert.Equal("mydigicert", body["issuer"]!["name"]!.GetValue<string>());
        Assert.Equal($"{Base}/certificates/{name}/pending", KvAssert.Str(body, "id"));

        // The policy keeps the certificate type the issuer needs.
        CertificatePolicy policy = await Vault.Certificates.GetCertificatePolicyAsync(name);
        Assert.Equal("OV-SSL", policy.CertificateType);
        Assert.Equal("mydigicert", policy.IssuerName);
    }

    [Fact]
    public async Task S02_GetPending_InProgress_RequestIdFilters()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 300);
        string name = Names.New("s02");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.With(issuer));
        string requestId = KvAssert.Str(created, "request_id");

        CertificateOperation operation = await Vault.Certificates.GetCertificateOperationAsync(name);
        Assert.Equal("inProgress", operation.Properties.Status);
        Assert.Equal(requestId, operation.Properties.RequestId);
        Assert.Equal(created["csr"]!.GetValue<string>(), Convert.ToBase64String(operation.Properties.Csr));

        RawResponse same = await Vault.Raw.GetAsync($"/certificates/{name}/pending?request_id={requestId}");
        Assert.Equal(HttpStatusCode.OK, same.Status);
        KvAssert.PendingShape(same.Object, "inProgress");
        Assert.Equal(requestId, KvAssert.Str(same.Json, "request_id"));
        Assert.True(JsonNode.DeepEquals(created, same.Json), $"GET differs from create: {same.Body} vs {created.ToJsonString()}");

        RawResponse other = await Vault.Raw.GetAsync($"/certificates/{name}/pending?request_id={Guid.NewGuid():N}");
        KvAssert.Error(other, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task S03_GetPending_Completed_HasTarget()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 0.3);
        string name = Names.New("s03");

        CertificateOperation operation = await Vault.Certificates.StartCreateCertificateAsync(name, new CertificatePolicy(issuer, "CN=s03.contoso.com"));
        KeyVaultCertificateWithPolicy certificate = await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None);

        Assert.True(operation.HasCompleted);
        Assert.Equal("completed", operation.Properties.Status);
        Assert.NotEmpty(certificate.Cer);
        Assert.True(certificate.Properties.Enabled);

        RawResponse pending = await Vault.GetPendingAsync(name);
        Assert.Equal(HttpStatusCode.OK, pending.Status);
        KvAssert.PendingShape(pending.Object, "completed");
        Assert.Equal($"{Base}/certificates/{name}", KvAssert.Str(pending.Json, "target"));
        Assert.Null(pending.Header("Retry-After"));

        // Issued by the local CA.
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.Cer);
        using var root = X509Certificate2.CreateFromPem(await Vault.ReadCaRootPemAsync());
        Assert.Equal(root.Subject, leaf.Issuer);
        Assert.Equal("CN=s03.contoso.com", leaf.Subject);
    }

    [Theory]
    [InlineData("fail", "Certificate issuer error")]
    [InlineData("reject", "Request rejected")]
    public async Task S04_GetPending_Failed_HasError(string outcome, string code)
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 0.3, outcome: outcome);
        string name = Names.New("s04");
        await Vault.CreateRawAsync(name, Policies.With(issuer));

        JsonObject final = await Vault.WaitForFinalAsync(name);
        KvAssert.PendingShape(final, "failed");
        Assert.Equal(code, final["error"]!["code"]!.GetValue<string>());

        CertificateOperation operation = await Vault.Certificates.GetCertificateOperationAsync(name);
        Assert.Equal("failed", operation.Properties.Status);
        Assert.Equal(code, operation.Properties.Error.Code);
        Assert.False(string.IsNullOrEmpty(operation.Properties.Error.Message));
    }

    [Fact]
    public async Task S04_GetPending_Cancelled()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 20, honourCancellation: true);
        string name = Names.New("s04c");
        await Vault.CreateRawAsync(name, Policies.With(issuer));

        CertificateOperation operation = await Vault.Certificates.GetCertificateOperationAsync(name);
        await operation.CancelAsync();
        Assert.True(operation.Properties.CancellationRequested);

        JsonObject final = await Vault.WaitForFinalAsync(name);
        KvAssert.PendingShape(final, "cancelled");
        Assert.True(final["cancellation_requested"]!.GetValue<bool>());

        // The SDK's poller ends with OperationCanceledException on a cancelled operation.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None));
    }

    [Fact]
    public async Task S05_GetPending_AfterDelete_NotFound()
    {
        string name = Names.New("s05");
        await Vault.CreateRawAsync(name, Policies.Manual());
        Assert.Equal(HttpStatusCode.OK, (await Vault.Raw.DeleteAsync($"/certificates/{name}/pending")).Status);

        KvAssert.Error(await Vault.GetPendingAsync(name), HttpStatusCode.NotFound, "PendingCertificateNotFound");
        RequestFailedException e = await Assert.ThrowsAsync<RequestFailedException>(() => Vault.Certificates.GetCertificateOperationAsync(name));
        Assert.Equal(404, e.Status);
        Assert.Equal("PendingCertificateNotFound", e.ErrorCode);
    }

    [Fact]
    public async Task S05_GetPending_AfterOverwrite_OldRequestNotFound()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 0.2, outcome: "fail");
        string name = Names.New("s05o");
        string first = KvAssert.Str(await Vault.CreateRawAsync(name, Policies.With(issuer)), "request_id");
        await Vault.WaitForFinalAsync(name);

        string second = KvAssert.Str(await Vault.CreateRawAsync(name, Policies.Manual()), "request_id");
        Assert.NotEqual(first, second);

        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/{name}/pending?request_id={first}"), HttpStatusCode.NotFound, "PendingCertificateNotFound");
        RawResponse current = await Vault.Raw.GetAsync($"/certificates/{name}/pending?request_id={second}");
        Assert.Equal(HttpStatusCode.OK, current.Status);
        Assert.Equal("Unknown", current.Json["issuer"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task S05_NoPendingObject_EveryPendingVerbIsNotFound()
    {
        string never = Names.New("s05n");
        KvAssert.Error(await Vault.GetPendingAsync(never), HttpStatusCode.NotFound, "PendingCertificateNotFound");
        KvAssert.Error(
            await Vault.Raw.PatchAsync($"/certificates/{never}/pending", new JsonObject { ["cancellation_requested"] = true }),
            HttpStatusCode.NotFound,
            "PendingCertificateNotFound");
        KvAssert.Error(await Vault.Raw.DeleteAsync($"/certificates/{never}/pending"), HttpStatusCode.NotFound, "PendingCertificateNotFound");
        using var ca = new TestCa();
        using X509Certificate2 leaf = ca.SignUnrelated("CN=never");
        KvAssert.Error(await Vault.Raw.PostAsync($"/certificates/{never}/pending/merge", Chains.X5c(ca.Chain(leaf))), HttpStatusCode.NotFound, "PendingCertificateNotFound");
        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/{never}"), HttpStatusCode.NotFound, "CertificateNotFound");
    }

    [Fact]
    public async Task S06_CreateOrImport_WhileInProgress_Conflict_ThenOverwriteWhenFinished()
    {
        string name = Names.New("s06");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.Manual());

        RawResponse again = await Vault.Raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = Policies.Self() });
        JsonObject error = KvAssert.Error(again, HttpStatusCode.Conflict, "Conflict");
        Assert.Contains("inProgress", error["message"]!.GetValue<string>(), StringComparison.Ordinal);

        RequestFailedException sdkError = await Assert.ThrowsAsync<RequestFailedException>(
            () => Vault.Certificates.StartCreateCertificateAsync(name, CertificatePolicy.Default));
        Assert.Equal(409, sdkError.Status);

        byte[] pfx = Chains.SelfSignedPfx("CN=s06-import");
        RequestFailedException importError = await Assert.ThrowsAsync<RequestFailedException>(
            () => Vault.Certificates.ImportCertificateAsync(new ImportCertificateOptions(name, pfx)));
        Assert.Equal(409, importError.Status);

        // Nothing changed.
        RawResponse still = await Vault.GetPendingAsync(name);
        Assert.True(JsonNode.DeepEquals(created, still.Json), still.Body);

        // Once not inProgress, create overwrites the pending object.
        await Vault.Raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true });
        Assert.Equal(HttpStatusCode.OK, (await Vault.Raw.DeleteAsync($"/certificates/{name}/pending")).Status);
        string failingIssuer = await Vault.CreateIssuerAsync(delaySeconds: 0.2, outcome: "fail");
        await Vault.CreateRawAsync(name, Policies.With(failingIssuer));
        Assert.Equal("failed", KvAssert.Str(await Vault.WaitForFinalAsync(name), "status"));

        JsonObject overwritten = await Vault.CreateRawAsync(name, Policies.Manual("CN=s06-second"));
        Assert.Equal("inProgress", KvAssert.Str(overwritten, "status"));
        Assert.Equal("Unknown", overwritten["issuer"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task S07_Merge_WhileIssuerInProgress_Forbidden_AllowedAfterFailure()
    {
        string slowIssuer = await Vault.CreateIssuerAsync(delaySeconds: 300);
        string name = Names.New("s07");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.With(slowIssuer, "CN=s07.contoso.com"));
        IReadOnlyList<byte[]> chain = await Vault.SignWithLocalCaAsync(Convert.FromBase64String(KvAssert.Str(created, "csr")));

        RawResponse forbidden = await Vault.Raw.PostAsync($"/certificates/{name}/pending/merge", Chains.X5c(chain));
        JsonObject error = KvAssert.Error(forbidden, HttpStatusCode.Forbidden, "Forbidden");
        Assert.Equal($"Merge is forbidden on pending object created with issuer : {slowIssuer} while it is in progress", error["message"]!.GetValue<string>());
        Assert.Equal("inProgress", KvAssert.Str((await Vault.GetPendingAsync(name)).Json, "status"));

        // A request that failed at the issuer may be completed with a certificate obtained out of band.
        string failing = await Vault.CreateIssuerAsync(delaySeconds: 0.2, outcome: "fail");
        string other = Names.New("s07f");
        JsonObject failingCreated = await Vault.CreateRawAsync(other, Policies.With(failing, "CN=s07f.contoso.com"));
        Assert.Equal("failed", KvAssert.Str(await Vault.WaitForFinalAsync(other), "status"));

        IReadOnlyList<byte[]> outOfBand = await Vault.SignWithLocalCaAsync(Convert.FromBase64String(KvAssert.Str(failingCreated, "csr")));
        KeyVaultCertificateWithPolicy merged = await Vault.Certificates.MergeCertificateAsync(new MergeCertificateOptions(other, outOfBand));
        Assert.Equal(outOfBand[0], merged.Cer);
        Assert.True(merged.Properties.Enabled);
    }

    [Fact]
    public async Task S08_RequestCancellation_InProgress_ThenNotInProgressIsForbidden()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 300, honourCancellation: false);
        string name = Names.New("s08");
        await Vault.CreateRawAsync(name, Policies.With(issuer));

        RawResponse patched = await Vault.Raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true });
        Assert.Equal(HttpStatusCode.OK, patched.Status);
        KvAssert.PendingShape(patched.Object, "inProgress");
        Assert.True(patched.Json["cancellation_requested"]!.GetValue<bool>());
        Assert.Null(patched.Header("Retry-After"));

        // Through the SDK too (idempotent request).
        CertificateOperation operation = await Vault.Certificates.GetCertificateOperationAsync(name);
        await operation.CancelAsync();
        Assert.True(operation.Properties.CancellationRequested);
        Assert.Equal("inProgress", operation.Properties.Status);

        // A finished request cannot be updated: 403 as the live service answers.
        string done = Names.New("s08d");
        await Vault.CreateRawAsync(done, Policies.Self());
        JsonObject completed = await Vault.WaitForFinalAsync(done);
        Assert.Equal("completed", KvAssert.Str(completed, "status"));

        RawResponse refused = await Vault.Raw.PatchAsync($"/certificates/{done}/pending", new JsonObject { ["cancellation_requested"] = true });
        JsonObject error = KvAssert.Error(refused, HttpStatusCode.Forbidden, "Forbidden");
        Assert.Equal("Pending status must be in progress to allow update.", error["message"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(completed, (await Vault.GetPendingAsync(done)).Json));
    }

    [Fact]
    public async Task S09_DeletePending_ReturnsItAsItWas_KeepsCertificate()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 300);
        string name = Names.New("s09");
        await Vault.CreateRawAsync(name, Policies.With(issuer));
        RawResponse before = await Vault.GetPendingAsync(name);

        RawResponse deleted = await Vault.Raw.DeleteAsync($"/certificates/{name}/pending");
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.True(JsonNode.DeepEquals(before.Json, deleted.Json), $"{deleted.Body} vs {before.Body}");
        Assert.Null(deleted.Header("Retry-After"));

        KvAssert.Error(await Vault.GetPendingAsync(name), HttpStatusCode.NotFound, "PendingCertificateNotFound");

        RawResponse certificate = await Vault.Raw.GetAsync($"/certificates/{name}");
        Assert.Equal(HttpStatusCode.OK, certificate.Status);
        Assert.Null(certificate.Json["pending"]);
        Assert.False(certificate.Json["attributes"]!["enabled"]!.GetValue<bool>());

        // Through the SDK: deleting an operation.
        string viaSdk = Names.New("s09s");
        await Vault.CreateRawAsync(viaSdk, Policies.Manual());
        CertificateOperation operation = await Vault.Certificates.GetCertificateOperationAsync(viaSdk);
        await operation.DeleteAsync();
        KvAssert.Error(await Vault.GetPendingAsync(viaSdk), HttpStatusCode.NotFound, "PendingCertificateNotFound");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task S10_CreateManually_UnknownOrNoIssuer(bool explicitUnknown)
    {
        string name = Names.New("s10");
        JsonObject policy = explicitUnknown
            ? Policies.Manual("CN=s10.contoso.com")
            : new JsonObject { ["x509_props"] = new JsonObject { ["subject"] = "CN=s10.contoso.com" } };

        RawResponse response = await Vault.Raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = policy });
        Assert.Equal(HttpStatusCode.Accepted, response.Status);
        KvAssert.PendingShape(response.Object, "inProgress");
        Assert.Equal(KvAssert.ManualDetails, KvAssert.Str(response.Json, "status_details"));
        Assert.Equal("Unknown", response.Json["issuer"]!["name"]!.GetValue<string>());
        Assert.NotNull(response.Header("Location"));
    }

    [Fact]
    public async Task S11_MergeManual_Created_WithFullBundle()
    {
        string name = Names.New("s11");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.Manual("CN=s11.contoso.com"));
        using var ca = new TestCa();
        using X509Certificate2 leaf = ca.SignPending(created);

        RawResponse merged = await Vault.Raw.PostAsync($"/certificates/{name}/pending/merge", Chains.X5c(ca.Chain(leaf)));
        Assert.Equal(HttpStatusCode.Created, merged.Status);
        KvAssert.JsonContentType(merged);
        Assert.Matches($"^{Regex.Escape(Base)}/certificates/{name}(\\?api-version=[^&]+)?$", merged.Header("Location"));

        JsonNode bundle = merged.Json;
        string id = KvAssert.Str(bundle, "id");
        Match idMatch = Regex.Match(id, $"^{Regex.Escape(Base)}/certificates/{name}/([0-9a-f]{{32}})$");
        Assert.True(idMatch.Success, id);
        string version = idMatch.Groups[1].Value;
        Assert.Equal($"{Base}/keys/{name}/{version}", KvAssert.Str(bundle, "kid"));
        Assert.Equal($"{Base}/secrets/{name}/{version}", KvAssert.Str(bundle, "sid"));
        Assert.Equal(leaf.RawData, Convert.FromBase64String(KvAssert.Str(bundle, "cer")));
        Assert.Equal(Chains.Base64Url(leaf.GetCertHash()), KvAssert.Str(bundle, "x5t"));

        JsonNode attributes = bundle["attributes"]!;
        Assert.True(attributes["enabled"]!.GetValue<bool>());
        Assert.Equal(new DateTimeOffset(leaf.NotBefore.ToUniversalTime()).ToUnixTimeSeconds(), attributes["nbf"]!.GetValue<long>());
        Assert.Equal(new DateTimeOffset(leaf.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(), attributes["exp"]!.GetValue<long>());
        Assert.True(attributes["created"]!.GetValue<long>() > 1_600_000_000);
        Assert.True(attributes["updated"]!.GetValue<long>() >= attributes["created"]!.GetValue<long>());

        Assert.Equal($"{Base}/certificates/{name}/pending", KvAssert.Str(bundle["pending"], "id"));
        JsonObject policy = bundle["policy"]!.AsObject();
        foreach (string part in new[] { "key_props", "secret_props", "x509_props", "lifetime_actions", "issuer", "attributes" })
        {
            Assert.True(policy.ContainsKey(part), $"policy lacks {part}: {policy.ToJsonString()}");
        }

        JsonObject pending = (await Vault.GetPendingAsync(name)).Object;
        KvAssert.PendingShape(pending, "completed");
        Assert.Equal($"{Base}/certificates/{name}", KvAssert.Str(pending, "target"));
    }

    [Fact]
    public async Task S11_MergeManual_ThroughSdk_WithLocalCa()
    {
        string name = Names.New("s11s");
        CertificateOperation operation = await Vault.Certificates.StartCreateCertificateAsync(name, new CertificatePolicy("Unknown", "CN=s11s.contoso.com"));
        Assert.Equal(KvAssert.ManualDetails, operation.Properties.StatusDetails);

        IReadOnlyList<byte[]> chain = await Vault.SignWithLocalCaAsync(operation.Properties.Csr);
        KeyVaultCertificateWithPolicy merged = await Vault.Certificates.MergeCertificateAsync(new MergeCertificateOptions(name, chain));
        Assert.Equal(chain[0], merged.Cer);
        Assert.NotNull(merged.KeyId);
        Assert.NotNull(merged.SecretId);

        await operation.UpdateStatusAsync();
        Assert.True(operation.HasCompleted);
        Assert.Equal("completed", operation.Properties.Status);

        KeyVaultCertificateWithPolicy fetched = await Vault.Certificates.GetCertificateAsync(name);
        Assert.Equal(merged.Properties.Version, fetched.Properties.Version);
        Assert.Equal(chain[0], fetched.Cer);
    }
}
