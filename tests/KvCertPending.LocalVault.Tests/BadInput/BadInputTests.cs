using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;

namespace KvCertPending.LocalVault.Tests.BadInput;

/// <summary>Every class of bad input: a Key Vault-shaped 4xx, and the vault's state unchanged afterwards.</summary>
[Collection(BadInputCollection.Name)]
public sealed class BadInputTests(VaultFixture fixture)
{
    private VaultConnection Vault => fixture.Vault;

    public static TheoryData<string, string> BadCreateBodies => new()
    {
        { "truncated", "{\"policy\":" },
        { "not json", "policy please" },
        { "unclosed string", "{\"policy\":{\"x509_props\":{\"subject\":\"CN=x}}}" },
        { "trailing garbage", "{\"policy\":{}} }" },
        { "array body", "[1,2,3]" },
        { "string body", "\"policy\"" },
        { "policy is a string", "{\"policy\":\"Self\"}" },
        { "subject is a number", "{\"policy\":{\"x509_props\":{\"subject\":5},\"issuer\":{\"name\":\"Self\"}}}" },
        { "key_size is a string", "{\"policy\":{\"key_props\":{\"kty\":\"RSA\",\"key_size\":\"big\"},\"x509_props\":{\"subject\":\"CN=x\"},\"issuer\":{\"name\":\"Self\"}}}" },
        { "key_size 1000", "{\"policy\":{\"key_props\":{\"kty\":\"RSA\",\"key_size\":1000},\"x509_props\":{\"subject\":\"CN=x\"},\"issuer\":{\"name\":\"Self\"}}}" },
        { "unknown kty", "{\"policy\":{\"key_props\":{\"kty\":\"DSA\"},\"x509_props\":{\"subject\":\"CN=x\"},\"issuer\":{\"name\":\"Self\"}}}" },
        { "unknown curve", "{\"policy\":{\"key_props\":{\"kty\":\"EC\",\"crv\":\"P-999\"},\"x509_props\":{\"subject\":\"CN=x\"},\"issuer\":{\"name\":\"Self\"}}}" },
        { "issuer name is a bool", "{\"policy\":{\"x509_props\":{\"subject\":\"CN=x\"},\"issuer\":{\"name\":true}}}" },
        { "validity_months is a string", "{\"policy\":{\"x509_props\":{\"subject\":\"CN=x\",\"validity_months\":\"twelve\"},\"issuer\":{\"name\":\"Self\"}}}" },
        { "validity_months negative", "{\"policy\":{\"x509_props\":{\"subject\":\"CN=x\",\"validity_months\":-1},\"issuer\":{\"name\":\"Self\"}}}" },
        { "dns_names is a string", "{\"policy\":{\"x509_props\":{\"subject\":\"CN=x\",\"sans\":{\"dns_names\":\"a.com\"}},\"issuer\":{\"name\":\"Self\"}}}" },
        { "ekus are numbers", "{\"policy\":{\"x509_props\":{\"subject\":\"CN=x\",\"ekus\":[1,2]},\"issuer\":{\"name\":\"Self\"}}}" },
        { "unknown key usage", "{\"policy\":{\"x509_props\":{\"subject\":\"CN=x\",\"key_usage\":[\"flying\"]},\"issuer\":{\"name\":\"Self\"}}}" },
        { "enabled is a string", "{\"policy\":{\"x509_props\":{\"subject\":\"CN=x\"},\"issuer\":{\"name\":\"Self\"}},\"attributes\":{\"enabled\":\"yes\"}}" },
        { "tags is an array", "{\"policy\":{\"x509_props\":{\"subject\":\"CN=x\"},\"issuer\":{\"name\":\"Self\"}},\"tags\":[\"a\"]}" },
        { "subject not a DN", "{\"policy\":{\"x509_props\":{\"subject\":\"not a distinguished name\"},\"issuer\":{\"name\":\"Self\"}}}" },
        { "subject without value", "{\"policy\":{\"x509_props\":{\"subject\":\"CN\"},\"issuer\":{\"name\":\"Self\"}}}" },
        { "subject without type", "{\"policy\":{\"x509_props\":{\"subject\":\"=contoso\"},\"issuer\":{\"name\":\"Self\"}}}" },
        { "subject unknown attribute", "{\"policy\":{\"x509_props\":{\"subject\":\"XYZZY=1\"},\"issuer\":{\"name\":\"Self\"}}}" },
        { "subject empty RDN", "{\"policy\":{\"x509_props\":{\"subject\":\"CN=a,,O=b\"},\"issuer\":{\"name\":\"Self\"}}}" },
    };

    public static TheoryData<string> BadNames => new()
    {
        new string('a', 128),
        "a_b",
        "a.b",
        "a%20b",
        "%C3%A4",
        "a~b",
        "a$b",
        "a%2Fb",
        "a'b",
    };

    [Theory]
    [MemberData(nameof(BadCreateBodies))]
    public async Task Create_BadBody_KeyVaultShaped4xx_NothingCreated(string label, string body)
    {
        string name = Names.New("bad");
        StateSnapshot before = await StateSnapshot.TakeAsync(Vault, name);

        RawResponse response = await Vault.Raw.SendAsync(HttpMethod.Post, $"/certificates/{name}/create", body);
        JsonObject error = KvAssert.ClientError(response);
        Assert.True(response.Status == HttpStatusCode.BadRequest, $"{label}: {response}");
        Assert.Equal("BadParameter", error["code"]!.GetValue<string>());

        await before.AssertUnchangedAsync(Vault, name, label);
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task InvalidName_BadParameter_OnEveryCertificatePath(string badName)
    {
        foreach ((HttpMethod method, string path, string? body) in new (HttpMethod, string, string?)[]
        {
            (HttpMethod.Post, $"/certificates/{badName}/create", new JsonObject { ["policy"] = Policies.Self() }.ToJsonString()),
            (HttpMethod.Get, $"/certificates/{badName}", null),
            (HttpMethod.Get, $"/certificates/{badName}/pending", null),
            (HttpMethod.Patch, $"/certificates/{badName}/pending", "{\"cancellation_requested\":true}"),
            (HttpMethod.Delete, $"/certificates/{badName}/pending", null),
            (HttpMethod.Post, $"/certificates/{badName}/pending/merge", "{\"x5c\":[\"AA==\"]}"),
            (HttpMethod.Post, $"/certificates/{badName}/import", "{\"value\":\"AA==\"}"),
            (HttpMethod.Get, $"/certificates/{badName}/policy", null),
        })
        {
            RawResponse response = await Vault.Raw.SendAsync(method, path, body);
            Assert.True(response.StatusCode is >= 400 and < 500, $"{method} {path}: {response}");
            JsonObject error = KvAssert.ClientError(response);
            Assert.True(response.Status == HttpStatusCode.BadRequest && error["code"]!.GetValue<string>() == "BadParameter", $"{method} {path}: {response}");
        }
    }

    [Fact]
    public async Task NameLengths_1And127Accepted_EmptyRefused()
    {
        string longest = Names.New("len") + new string('x', 127);
        longest = longest[..127];
        Assert.Equal(HttpStatusCode.Accepted, (await Vault.Raw.PostAsync($"/certificates/{longest}/create", new JsonObject { ["policy"] = Policies.Manual() })).Status);

        string single = ((char)('a' + Random.Shared.Next(26))).ToString();
        RawResponse one = await Vault.Raw.GetAsync($"/certificates/{single}");
        Assert.True(one.Status is HttpStatusCode.OK or HttpStatusCode.NotFound, one.ToString());

        RawResponse empty = await Vault.Raw.PostAsync("/certificates//create", new JsonObject { ["policy"] = Policies.Self() });
        KvAssert.ClientError(empty);
        KvAssert.Error(await Vault.Raw.GetAsync("/certificates/create"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task OversizeBody_4xx_NothingCreated()
    {
        string name = Names.New("big");
        StateSnapshot before = await StateSnapshot.TakeAsync(Vault, name);
        var body = new JsonObject
        {
            ["policy"] = Policies.Self(),
            ["tags"] = new JsonObject { ["blob"] = new string('x', 5 * 1024 * 1024) },
        };

        // Expect: 100-continue lets the vault refuse on Content-Length before the body is sent.
        RawResponse response = await Vault.Raw.PostAsync($"/certificates/{name}/create", body, r => r.Headers.ExpectContinue = true);
        KvAssert.ClientError(response);
        await before.AssertUnchangedAsync(Vault, name, "an oversize body");
    }

    [Fact]
    public async Task HugeBodies_AreBounded_VaultStillAnswers()
    {
        // A chain far longer than any real one (about 2 MB of certificates) on a pending object: refused, nothing changes.
        string name = Names.New("huge");
        await Vault.CreateRawAsync(name, Policies.Manual());
        StateSnapshot before = await StateSnapshot.TakeAsync(Vault, name);
        using X509Certificate2 filler = Chains.SelfSigned("CN=filler");
        RawResponse chain = await Vault.Raw.PostAsync($"/certificates/{name}/pending/merge", Chains.X5c(Enumerable.Repeat(filler.RawData, 2500)), r => r.Headers.ExpectContinue = true);
        KvAssert.ClientError(chain);
        await before.AssertUnchangedAsync(Vault, name, "a 2 MB chain");

        // 40 MB: the vault may cut the connection rather than read it all; either way it refuses and keeps answering.
        try
        {
            RawResponse giant = await Vault.Raw.SendAsync(HttpMethod.Post, $"/certificates/{name}/pending/merge", "{\"x5c\":[\"" + new string('A', 40 * 1024 * 1024) + "\"]}", r => r.Headers.ExpectContinue = true);
            Assert.InRange(giant.StatusCode, 400, 499);
        }
        catch (HttpRequestException)
        {
            // Connection closed by the vault: acceptable for a body this size.
        }

        await before.AssertUnchangedAsync(Vault, name, "a 40 MB body");
    }

    [Fact]
    public async Task Merge_BadX5c_BadParameter_PendingUnchanged()
    {
        string name = Names.New("bx5c");
        JsonObject created = await Vault.CreateRawAsync(name, Policies.Manual("CN=bx5c"));
        using var ca = new TestCa();
        using X509Certificate2 leaf = ca.SignPending(created);
        string pkcs7 = Convert.ToBase64String(new X509Certificate2Collection { leaf, ca.Root }.Export(X509ContentType.Pkcs7)!);
        string leafPem = leaf.ExportCertificatePem();
        StateSnapshot before = await StateSnapshot.TakeAsync(Vault, name);

        var cases = new (string Label, string Body, bool X5cMessage)[]
        {
            ("bad base64", "{\"x5c\":[\"!!!not base64!!!\"]}", false),
            ("bad DER", $"{{\"x5c\":[\"{Convert.ToBase64String(Encoding.ASCII.GetBytes("hello, not a certificate"))}\"]}}", false),
            ("PKCS#7 blob", $"{{\"x5c\":[\"{pkcs7}\"]}}", true),
            ("empty list", "{\"x5c\":[]}", true),
            ("PEM instead of base64 DER", new JsonObject { ["x5c"] = new JsonArray(leafPem) }.ToJsonString(), false),
            ("x5c missing", "{}", false),
            ("x5c null", "{\"x5c\":null}", false),
            ("x5c a string", $"{{\"x5c\":\"{Convert.ToBase64String(leaf.RawData)}\"}}", false),
            ("x5c numbers", "{\"x5c\":[1,2]}", false),
            ("malformed JSON", "{\"x5c\":[", false),
            ("truncated DER", $"{{\"x5c\":[\"{Convert.ToBase64String(leaf.RawData[..(leaf.RawData.Length / 2)])}\"]}}", false),
        };

        var failures = new List<string>();
        foreach ((string label, string body, bool x5cMessage) in cases)
        {
            RawResponse response = await Vault.Raw.SendAsync(HttpMethod.Post, $"/certificates/{name}/pending/merge", body);
            string? code = response.StatusCode is >= 400 and < 500 ? KvAssert.ClientError(response)["code"]!.GetValue<string>() : null;
            if (response.Status != HttpStatusCode.BadRequest || code != "BadParameter")
            {
                failures.Add($"{label}: {response}");
            }
            else if (x5cMessage && !response.Json["error"]!["message"]!.GetValue<string>().StartsWith("Property x5c has invalid value", StringComparison.Ordinal))
            {
                failures.Add($"{label}: message {response.Body}");
            }

            await before.AssertUnchangedAsync(Vault, name, label);
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // The good chain still merges.
        Assert.Equal(HttpStatusCode.Created, (await Vault.Raw.PostAsync($"/certificates/{name}/pending/merge", Chains.X5c(ca.Chain(leaf)))).Status);
    }

    [Fact]
    public async Task PatchPending_BadBody_BadParameter_PendingUnchanged()
    {
        string name = Names.New("bpat");
        await Vault.CreateRawAsync(name, Policies.Manual());
        StateSnapshot before = await StateSnapshot.TakeAsync(Vault, name);

        foreach (string body in new[] { "{\"cancellation_requested\":\"yes\"}", "{\"cancellation_requested\":1}", "{\"cancellation_requested\":", "[true]", "{\"cancellation_requested\":{}}" })
        {
            RawResponse response = await Vault.Raw.SendAsync(HttpMethod.Patch, $"/certificates/{name}/pending", body);
            KvAssert.Error(response, HttpStatusCode.BadRequest, "BadParameter");
            await before.AssertUnchangedAsync(Vault, name, body);
        }
    }

    [Fact]
    public async Task Import_BadValue_BadParameter_NothingCreated()
    {
        string name = Names.New("bimp");
        StateSnapshot before = await StateSnapshot.TakeAsync(Vault, name);
        byte[] pfx = Chains.SelfSignedPfx("CN=pw", "right-password");
        using X509Certificate2 keyless = Chains.SelfSigned("CN=nokey");

        foreach ((string label, JsonObject body) in new (string, JsonObject)[]
        {
            ("not base64", new JsonObject { ["value"] = "%%%" }),
            ("not a PFX", new JsonObject { ["value"] = Convert.ToBase64String(Encoding.ASCII.GetBytes("nope")) }),
            ("wrong password", new JsonObject { ["value"] = Convert.ToBase64String(pfx), ["pwd"] = "wrong-password" }),
            ("value missing", new JsonObject { ["pwd"] = "x" }),
            ("value is a number", new JsonObject { ["value"] = 42 }),
            ("PEM without key", new JsonObject { ["value"] = keyless.ExportCertificatePem() }),
        })
        {
            RawResponse response = await Vault.Raw.PostAsync($"/certificates/{name}/import", body);
            Assert.True(response.StatusCode is >= 400 and < 500, $"{label}: {response}");
            JsonObject error = KvAssert.ClientError(response);
            Assert.True(response.Status == HttpStatusCode.BadRequest, $"{label}: {response}");
            Assert.DoesNotContain("right-password", response.Body, StringComparison.Ordinal);
            Assert.NotNull(error);
            await before.AssertUnchangedAsync(Vault, name, label);
        }
    }

    [Fact]
    public async Task BadVersionOrRequestId_ClientError()
    {
        string name = Names.New("bver");
        await Vault.CreateRawAsync(name, Policies.Manual());
        KvAssert.ClientError(await Vault.Raw.GetAsync($"/certificates/{name}/not-a-version"));
        KvAssert.ClientError(await Vault.Raw.GetAsync($"/certificates/{name}/{new string('f', 32)}"));
        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/{name}/pending?request_id=zzz"), HttpStatusCode.NotFound);
    }
}
