using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Lifecycle;

/// <summary>The wire rules the SDK hides: fields per state, Retry-After, request ids, content types, the disabled bundle, defaults.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class PendingShapeTests(VaultFixture fixture)
{
    private VaultConnection Vault => fixture.Vault;

    [Fact]
    public async Task RetryAfter_OnCreateAndGetWhileInProgress_NotOnPatchDeleteOrFinished()
    {
        string issuer = await Vault.CreateIssuerAsync(delaySeconds: 300);
        string name = Names.New("ra");

        RawResponse created = await Vault.Raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = Policies.With(issuer) });
        Assert.Equal(HttpStatusCode.Accepted, created.Status);
        Assert.Equal("1", created.Header("Retry-After"));

        RawResponse got = await Vault.GetPendingAsync(name);
        Assert.Equal("1", got.Header("Retry-After"));

        RawResponse patched = await Vault.Raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true });
        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.Null(patched.Header("Retry-After"));

        RawResponse deleted = await Vault.Raw.DeleteAsync($"/certificates/{name}/pending");
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.Null(deleted.Header("Retry-After"));

        string failing = await Vault.CreateIssuerAsync(delaySeconds: 0.2, outcome: "fail");
        string failed = Names.New("raf");
        await Vault.CreateRawAsync(failed, Policies.With(failing));
        await Vault.WaitForFinalAsync(failed);
        Assert.Null((await Vault.GetPendingAsync(failed)).Header("Retry-After"));
    }

    [Fact]
    public async Task EveryResponse_HasUuidRequestId_AndEchoesClientRequestId()
    {
        string name = Names.New("rid");
        var requests = new List<Func<Action<HttpRequestMessage>, Task<RawResponse>>>
        {
            c => Vault.Raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = Policies.Manual() }, c), // 202
            c => Vault.Raw.GetAsync($"/certificates/{name}/pending", c), // 200
            c => Vault.Raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = Policies.Manual() }, c), // 409
            c => Vault.Raw.GetAsync($"/certificates/{Names.New("none")}", c), // 404
            c => Vault.Raw.GetAsync("/certificates/bad_name", c), // 400
            c => Vault.Raw.SendAsync(HttpMethod.Get, $"/certificates/{name}", null, c, withToken: false), // 401
            c => Vault.Raw.PatchAsync($"/certificates/{name}/pending", new JsonObject { ["cancellation_requested"] = true }, c), // 200
            c => Vault.Raw.DeleteAsync($"/certificates/{name}/pending", c), // 200
            c => Vault.Raw.SendAsync(HttpMethod.Get, "/_localvault/ca/certificate", null, c, addApiVersion: false, withToken: false), // management
            c => Vault.Raw.GetAsync("/no/such/route", c), // 404
        };

        var seen = new HashSet<string>();
        foreach (Func<Action<HttpRequestMessage>, Task<RawResponse>> send in requests)
        {
            string clientId = Guid.NewGuid().ToString();
            RawResponse response = await send(r => r.Headers.Add("x-ms-client-request-id", clientId));
            KvAssert.RequestId(response);
            Assert.True(seen.Add(response.Header("x-ms-request-id")!), "x-ms-request-id repeated");
            Assert.Equal(clientId, response.Header("x-ms-client-request-id"));
            if (response.Body.Length > 0 && !response.Body.StartsWith("-----", StringComparison.Ordinal))
            {
                KvAssert.JsonContentType(response);
            }
        }

        // Without x-ms-client-request-id: still a request id, and nothing echoed.
        RawResponse plain = await Vault.Raw.GetAsync($"/certificates/{name}");
        KvAssert.RequestId(plain);
        Assert.Null(plain.Header("x-ms-client-request-id"));
    }

    [Fact]
    public async Task AcceptPkcs10_ReturnsBareBase64Csr()
    {
        string name = Names.New("p10");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.Manual("CN=p10.contoso.com"));

        RawResponse csr = await Vault.Raw.GetAsync(
            $"/certificates/{name}/pending",
            r => r.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/pkcs10")));
        Assert.Equal(HttpStatusCode.OK, csr.Status);
        Assert.Equal("application/pkcs10", csr.ContentHeaders?.ContentType?.MediaType);
        Assert.Equal(KvAssert.Str(created, "csr"), csr.Body.Trim());
        Assert.DoesNotContain("-----", csr.Body, StringComparison.Ordinal);

        CertificateRequest parsed = CertificateRequest.LoadSigningRequest(Convert.FromBase64String(csr.Body.Trim()), System.Security.Cryptography.HashAlgorithmName.SHA256);
        Assert.Equal("CN=p10.contoso.com", parsed.SubjectName.Name);
    }

    [Fact]
    public async Task WhilePending_CertificateIsDisabledBundleWithPendingLink()
    {
        string name = Names.New("dis");
        await Vault.CreateRawAsync(name, Policies.Manual());

        RawResponse bundle = await Vault.Raw.GetAsync($"/certificates/{name}");
        Assert.Equal(HttpStatusCode.OK, bundle.Status);
        JsonObject body = bundle.Object;
        Assert.Matches($"/certificates/{name}/[0-9a-f]{{32}}$", KvAssert.Str(body, "id"));
        Assert.False(body["attributes"]!["enabled"]!.GetValue<bool>());
        Assert.Equal($"{Vault.Raw.BaseUrl}/certificates/{name}/pending", KvAssert.Str(body["pending"], "id"));
        Assert.NotNull(body["policy"]);
        foreach (string absent in new[] { "cer", "kid", "sid", "x5t" })
        {
            Assert.False(body.ContainsKey(absent), $"pending bundle has '{absent}': {bundle.Body}");
        }

        // The SDK reads it too.
        Azure.Security.KeyVault.Certificates.KeyVaultCertificateWithPolicy sdk = await Vault.Certificates.GetCertificateAsync(name);
        Assert.False(sdk.Properties.Enabled);
        Assert.Null(sdk.Cer);
    }

    [Fact]
    public async Task AfterCompletion_GetPendingKeepsAnsweringCompleted()
    {
        string name = Names.New("done");
        await Vault.CreateRawAsync(name, Policies.Self("CN=done.contoso.com"));
        JsonObject first = await Vault.WaitForFinalAsync(name);
        Assert.Equal("completed", KvAssert.Str(first, "status"));

        for (int i = 0; i < 3; i++)
        {
            RawResponse again = await Vault.GetPendingAsync(name);
            Assert.Equal(HttpStatusCode.OK, again.Status);
            KvAssert.PendingShape(again.Object, "completed");
            Assert.True(JsonNode.DeepEquals(first, again.Json));
        }

        RawResponse bundle = await Vault.Raw.GetAsync($"/certificates/{name}");
        Assert.True(bundle.Json["attributes"]!["enabled"]!.GetValue<bool>());
        Assert.NotNull(bundle.Json["cer"]);
    }

    [Fact]
    public async Task Self_StartsInProgress_CompletesWithNbfCreatedMinus600()
    {
        string name = Names.New("self");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.Self("CN=self.contoso.com"));
        Assert.Equal("inProgress", KvAssert.Str(created, "status"));
        Assert.Equal(KvAssert.InProgressDetails, KvAssert.Str(created, "status_details"));
        Assert.Equal("Self", created["issuer"]!["name"]!.GetValue<string>());

        Assert.Equal("completed", KvAssert.Str(await Vault.WaitForFinalAsync(name), "status"));
        JsonNode bundle = (await Vault.Raw.GetAsync($"/certificates/{name}")).Json;
        long createdAt = bundle["attributes"]!["created"]!.GetValue<long>();
        long nbf = bundle["attributes"]!["nbf"]!.GetValue<long>();
        Assert.Equal(createdAt - 600, nbf);

        using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(KvAssert.Str(bundle, "cer")));
        Assert.Equal(certificate.Subject, certificate.Issuer);
        Assert.Equal(nbf, new DateTimeOffset(certificate.NotBefore.ToUniversalTime()).ToUnixTimeSeconds());
        Assert.Equal(bundle["attributes"]!["exp"]!.GetValue<long>(), new DateTimeOffset(certificate.NotAfter.ToUniversalTime()).ToUnixTimeSeconds());
    }

    [Theory]
    [InlineData("Self", "AutoRenew")]
    [InlineData("Unknown", "EmailContacts")]
    public async Task Policy_IsFilledWithDefaults(string issuer, string lifetimeAction)
    {
        string name = Names.New("def");
        await Vault.CreateRawAsync(name, Policies.With(issuer, "CN=defaults.contoso.com"));

        RawResponse response = await Vault.Raw.GetAsync($"/certificates/{name}/policy");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        JsonNode policy = response.Json;
        Assert.Equal($"{Vault.Raw.BaseUrl}/certificates/{name}/policy", KvAssert.Str(policy, "id"));

        JsonNode key = policy["key_props"]!;
        Assert.Equal("RSA", KvAssert.Str(key, "kty"));
        Assert.Equal(2048, key["key_size"]!.GetValue<int>());
        Assert.True(key["exportable"]!.GetValue<bool>());
        Assert.False(key["reuse_key"]!.GetValue<bool>());
        Assert.Equal("application/x-pkcs12", KvAssert.Str(policy["secret_props"], "contentType"));

        JsonNode x509 = policy["x509_props"]!;
        Assert.Equal("CN=defaults.contoso.com", KvAssert.Str(x509, "subject"));
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], x509["ekus"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
        Assert.Equal(["digitalSignature", "keyEncipherment"], x509["key_usage"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
        Assert.Equal(12, x509["validity_months"]!.GetValue<int>());

        JsonArray actions = policy["lifetime_actions"]!.AsArray();
        JsonNode action = Assert.Single(actions)!;
        Assert.Equal(80, action["trigger"]!["lifetime_percentage"]!.GetValue<int>());
        Assert.Equal(lifetimeAction, KvAssert.Str(action["action"], "action_type"));
        Assert.Equal(issuer, KvAssert.Str(policy["issuer"], "name"));
        Assert.True(policy["attributes"]!["enabled"]!.GetValue<bool>());
    }
}
