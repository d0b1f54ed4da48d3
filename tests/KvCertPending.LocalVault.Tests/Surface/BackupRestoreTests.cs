using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Azure;
using Azure.Security.KeyVault.Certificates;
using Azure.Security.KeyVault.Secrets;
using KvCertPending.LocalVault.Crypto;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Surface;

/// <summary>
/// Certificate backup and restore (POST /certificates/{name}/backup, POST /certificates/restore) through the real
/// .NET SDK and raw HTTPS: a restore brings back every version with its key, secret, attributes and tags, the
/// policy and the pending object; the blob is sealed (never the private key in clear) and opens only in a vault with
/// the same backup key; a refused restore changes nothing.
/// </summary>
[Collection(SurfaceCollection.Name)]
public sealed class BackupRestoreTests(VaultFixture fixture)
{
    private const string MalformedCode = "Malformed backup blob";
    private const string MalformedMessage = "Backup blob contains invalid or corrupt version.";

    private VaultConnection Vault => fixture.Vault;

    [Fact]
    public async Task RoundTripThroughTheSdk_DeletedAndPurged_BringsBackVersionsKeysSecretsAndPolicy()
    {
        string name = Names.New("bak");
        var policy = new CertificatePolicy(WellKnownIssuerNames.Self, "CN=backup.contoso.com")
        {
            KeyType = CertificateKeyType.Rsa,
            KeySize = 2048,
            ContentType = CertificateContentType.Pkcs12,
            ValidityInMonths = 7,
            Exportable = true,
        };
        KeyVaultCertificateWithPolicy first = await CreateAsync(name, policy);
        KeyVaultCertificateWithPolicy second = await CreateAsync(name, policy);
        CertificateProperties older = (await Vault.Certificates.GetCertificateVersionAsync(name, first.Properties.Version)).Value.Properties;
        older.Enabled = false;
        older.Tags["kept"] = "older";
        await Vault.Certificates.UpdateCertificatePropertiesAsync(older);

        List<CertificateProperties> versionsBefore = await VersionsAsync(name);
        CertificatePolicy policyBefore = await Vault.Certificates.GetCertificatePolicyAsync(name);
        byte[] keyOfFirst = await PrivateKeyAsync(name, first.Properties.Version);
        byte[] keyOfSecond = await PrivateKeyAsync(name, second.Properties.Version);
        Assert.NotEqual(keyOfFirst, keyOfSecond);

        byte[] backup = (await Vault.Certificates.BackupCertificateAsync(name)).Value;
        Assert.NotEmpty(backup);
        await DeleteAndPurgeAsync(name);
        await Assert.ThrowsAsync<RequestFailedException>(() => Vault.Certificates.GetCertificateAsync(name));

        KeyVaultCertificateWithPolicy restored = (await Vault.Certificates.RestoreCertificateBackupAsync(backup)).Value;

        // The answer is the latest version's bundle, with the policy, as the SDK expects it.
        Assert.Equal(name, restored.Name);
        Assert.Equal(second.Properties.Version, restored.Properties.Version);
        Assert.Equal(second.Cer, restored.Cer);
        Assert.Equal(second.KeyId, restored.KeyId);
        Assert.Equal(second.SecretId, restored.SecretId);
        Assert.NotNull(restored.Policy);

        // Every version, in order, with its attributes and tags.
        List<CertificateProperties> versionsAfter = await VersionsAsync(name);
        Assert.Equal(versionsBefore.Select(Describe), versionsAfter.Select(Describe));
        CertificateProperties restoredOlder = versionsAfter.Single(v => v.Version == first.Properties.Version);
        Assert.False(restoredOlder.Enabled);
        Assert.Equal("older", restoredOlder.Tags["kept"]);
        Assert.Equal(first.Cer, (await Vault.Certificates.GetCertificateVersionAsync(name, first.Properties.Version)).Value.Cer);

        // The policy as it was.
        CertificatePolicy policyAfter = await Vault.Certificates.GetCertificatePolicyAsync(name);
        Assert.Equal(policyBefore.Subject, policyAfter.Subject);
        Assert.Equal(policyBefore.IssuerName, policyAfter.IssuerName);
        Assert.Equal(policyBefore.KeyType, policyAfter.KeyType);
        Assert.Equal(policyBefore.KeySize, policyAfter.KeySize);
        Assert.Equal(policyBefore.ContentType, policyAfter.ContentType);
        Assert.Equal(7, policyAfter.ValidityInMonths);
        Assert.Equal(policyBefore.CreatedOn, policyAfter.CreatedOn);
        Assert.Equal(policyBefore.UpdatedOn, policyAfter.UpdatedOn);

        // Each version's secret (its PFX) carries the very key it had, the key of its certificate.
        Assert.Equal(keyOfFirst, await PrivateKeyAsync(name, first.Properties.Version));
        Assert.Equal(keyOfSecond, await PrivateKeyAsync(name, second.Properties.Version));
        using X509Certificate2 withKey = (await Vault.Certificates.DownloadCertificateAsync(name, second.Properties.Version)).Value;
        using RSA publicKey = X509CertificateLoader.LoadCertificate(second.Cer).GetRSAPublicKey()!;
        using RSA privateKey = withKey.GetRSAPrivateKey()!;
        byte[] signature = privateKey.SignData("restored"u8.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.True(publicKey.VerifyData("restored"u8.ToArray(), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task TheBlob_NeverCarriesThePrivateKeyInClear()
    {
        string name = Names.New("bakclear");
        KeyVaultCertificateWithPolicy certificate = await CreateAsync(name, new CertificatePolicy(WellKnownIssuerNames.Self, "CN=clear.contoso.com"));
        byte[] pkcs8 = await PrivateKeyAsync(name, certificate.Properties.Version);
        RSAParameters parameters;
        using (RSA rsa = RSA.Create())
        {
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            parameters = rsa.ExportParameters(includePrivateParameters: true);
        }

        RawResponse response = await Vault.Raw.PostAsync($"/certificates/{name}/backup", null);
        Assert.True(response.Status == HttpStatusCode.OK, $"backup: {response}");
        Assert.Equal(["value"], response.Object.Select(p => p.Key));
        string value = KvAssert.Str(response.Json, "value");
        Assert.True(Base64Url.IsValid(value), "the blob is not base64url");
        Assert.DoesNotContain('=', value);
        byte[] blob = Base64Url.DecodeFromChars(value);

        // Neither the PKCS#8 key, nor its base64 (as stored), nor its private exponent or primes, nor the record's
        // field names: nothing of the stored form is readable.
        byte[][] needles =
        [
            pkcs8,
            Encoding.ASCII.GetBytes(Convert.ToBase64String(pkcs8)[..64]),
            parameters.D!,
            parameters.P!,
            parameters.Q!,
            Encoding.ASCII.GetBytes("PrivateKey"),
        ];
        foreach (byte[] needle in needles)
        {
            Assert.True(blob.AsSpan().IndexOf(needle) < 0, $"the blob holds {needle.Length} bytes of the key or its record in clear");
        }

        Assert.DoesNotContain(Convert.ToBase64String(pkcs8)[..64], response.Body, StringComparison.Ordinal);

        // And the key is in there, sealed: a restore gives back exactly that PKCS#8.
        await DeleteAndPurgeAsync(name);
        RawResponse restored = await Vault.Raw.PostAsync("/certificates/restore", new JsonObject { ["value"] = value });
        Assert.True(restored.Status == HttpStatusCode.OK, $"restore: {restored}");
        Assert.Equal(pkcs8, await PrivateKeyAsync(name, certificate.Properties.Version));

        // The key that seals it stays in the data folder, readable by its owner only.
        string keyFile = Path.Combine(fixture.DataDirectory, BackupProtector.KeyFileName);
        Assert.True(File.Exists(keyFile), "no backup key in the data folder");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
    }

    [Fact]
    public async Task RestoreIntoAVaultSharingNothing_Is400_AndCreatesNothing_ButAVaultWithTheSameKeyRestores()
    {
        string name = Names.New("bakfar");
        await CreateAsync(name, new CertificatePolicy(WellKnownIssuerNames.Self, "CN=far.contoso.com"));
        byte[] backup = (await Vault.Certificates.BackupCertificateAsync(name)).Value;

        await using (VaultFixture stranger = await StartOwnVaultAsync())
        {
            RestoreRefused(await RestoreRawAsync(stranger.Vault, Base64Url.EncodeToString(backup)));
            KvAssert.Error(await stranger.Vault.Raw.GetAsync($"/certificates/{name}"), HttpStatusCode.NotFound, "CertificateNotFound");
            KvAssert.Error(await stranger.Vault.Raw.GetAsync($"/deletedcertificates/{name}"), HttpStatusCode.NotFound);
            Assert.Empty((await stranger.Vault.Raw.GetAsync("/certificates?includePending=true")).Json["value"]!.AsArray());
        }

        // As on Azure, where a backup restores into another vault of the same subscription and geography: here, a
        // vault given this vault's backup key.
        string sibling = VaultHost.NewDataDirectory();
        try
        {
            File.Copy(Path.Combine(fixture.DataDirectory, BackupProtector.KeyFileName), Path.Combine(sibling, BackupProtector.KeyFileName));
            await using VaultFixture sameKey = await StartOwnVaultAsync(sibling);
            KeyVaultCertificateWithPolicy restored = (await sameKey.Vault.Certificates.RestoreCertificateBackupAsync(backup)).Value;
            Assert.Equal(name, restored.Name);
            Assert.StartsWith(sameKey.Vault.Raw.BaseUrl + "/certificates/", restored.Id.ToString(), StringComparison.Ordinal);
            Assert.Equal((await Vault.Certificates.GetCertificateAsync(name)).Value.Cer, restored.Cer);
        }
        finally
        {
            VaultHost.DeleteDataDirectory(sibling);
        }
    }

    [Fact]
    public async Task RestoreOntoANameThatExists_Is409_LiveOrSoftDeleted_AndChangesNothing()
    {
        string name = Names.New("bakdup");
        KeyVaultCertificateWithPolicy certificate = await CreateAsync(name, new CertificatePolicy(WellKnownIssuerNames.Self, "CN=dup.contoso.com"));
        string value = Base64Url.EncodeToString((await Vault.Certificates.BackupCertificateAsync(name)).Value);

        StateSnapshot live = await StateSnapshot.TakeAsync(Vault, name);
        JsonObject error = KvAssert.Error(await RestoreRawAsync(Vault, value), HttpStatusCode.Conflict, "Conflict");
        Assert.Equal(
            $"Conflict while restoring certificate {Vault.Raw.BaseUrl}/certificates/{name}/{certificate.Properties.Version} - certificate already exists or concurrent access",
            error["message"]!.GetValue<string>());
        await live.AssertUnchangedAsync(Vault, name, "a restore onto the live name");

        RequestFailedException viaSdk = await Assert.ThrowsAsync<RequestFailedException>(
            () => Vault.Certificates.RestoreCertificateBackupAsync(Base64Url.DecodeFromChars(value)));
        Assert.Equal(409, viaSdk.Status);

        await Vault.Certificates.StartDeleteCertificateAsync(name);
        StateSnapshot deleted = await StateSnapshot.TakeAsync(Vault, name);
        JsonObject deletedError = KvAssert.Error(await RestoreRawAsync(Vault, value), HttpStatusCode.Conflict, "Conflict");
        Assert.Equal("ObjectIsDeletedButRecoverable", deletedError["innererror"]?["code"]?.GetValue<string>());
        await deleted.AssertUnchangedAsync(Vault, name, "a restore onto the soft-deleted name");
    }

    [Fact]
    public async Task ATamperedOrForeignBlob_Is400_AndNothingChanges()
    {
        string name = Names.New("baktamper");
        await CreateAsync(name, new CertificatePolicy(WellKnownIssuerNames.Self, "CN=tamper.contoso.com"));
        byte[] backup = (await Vault.Certificates.BackupCertificateAsync(name)).Value;
        await DeleteAndPurgeAsync(name);
        StateSnapshot gone = await StateSnapshot.TakeAsync(Vault, name);

        var tampered = new List<byte[]>();
        foreach (int at in new[] { 0, 8, 12, 24, backup.Length / 2, backup.Length - 1 })
        {
            byte[] copy = (byte[])backup.Clone();
            copy[at] ^= 0x01;
            tampered.Add(copy);
        }

        tampered.Add(backup[..^1]);
        tampered.Add(backup[..20]);
        tampered.Add([.. backup, 0]);
        tampered.Add(new byte[4728]); // what the SDKs' own malformed-backup tests send
        foreach (byte[] blob in tampered)
        {
            RestoreRefused(await RestoreRawAsync(Vault, Base64Url.EncodeToString(blob)));
            await gone.AssertUnchangedAsync(Vault, name, "a tampered restore");
        }

        foreach (string notBase64Url in new[] { "not a blob!", "a", "YWJj+/==" })
        {
            RestoreRefused(await RestoreRawAsync(Vault, notBase64Url));
        }

        foreach (JsonObject body in new[] { new JsonObject(), new JsonObject { ["value"] = "" }, new JsonObject { ["value"] = null } })
        {
            KvAssert.Error(await Vault.Raw.PostAsync("/certificates/restore", body), HttpStatusCode.BadRequest, "BadParameter");
        }

        KvAssert.Error(await Vault.Raw.PostAsync("/certificates/restore", new JsonObject { ["value"] = 42 }), HttpStatusCode.BadRequest, "BadParameter");
        KvAssert.Error(await Vault.Raw.PostAsync("/certificates/restore", null), HttpStatusCode.BadRequest, "BadParameter");
        await gone.AssertUnchangedAsync(Vault, name, "the refused restores");

        // The SDK sees the 400; the untampered blob still restores.
        RequestFailedException viaSdk = await Assert.ThrowsAsync<RequestFailedException>(() => Vault.Certificates.RestoreCertificateBackupAsync(tampered[4]));
        Assert.Equal(400, viaSdk.Status);
        Assert.Equal(name, (await Vault.Certificates.RestoreCertificateBackupAsync(backup)).Value.Name);
    }

    [Fact]
    public async Task BackupOfAMissingOrSoftDeletedName_Is404()
    {
        string missing = Names.New("baknone");
        KvAssert.Error(await Vault.Raw.PostAsync($"/certificates/{missing}/backup", null), HttpStatusCode.NotFound, "CertificateNotFound");
        RequestFailedException viaSdk = await Assert.ThrowsAsync<RequestFailedException>(() => Vault.Certificates.BackupCertificateAsync(missing));
        Assert.Equal(404, viaSdk.Status);
        Assert.Equal("CertificateNotFound", viaSdk.ErrorCode);

        string deleted = Names.New("bakdel");
        await Vault.CreateRawAsync(deleted, Policies.Manual());
        await Vault.Certificates.StartDeleteCertificateAsync(deleted);
        KvAssert.Error(await Vault.Raw.PostAsync($"/certificates/{deleted}/backup", null), HttpStatusCode.NotFound, "CertificateNotFound");

        KvAssert.Error(await Vault.Raw.PostAsync("/certificates/bad_name/backup", null), HttpStatusCode.BadRequest, "BadParameter");
        KvAssert.Error(await Vault.Raw.SendAsync(HttpMethod.Post, $"/certificates/{missing}/backup", null, addApiVersion: false), HttpStatusCode.BadRequest, "BadParameter");
    }

    [Fact]
    public async Task APendingCertificate_ComesBackWithItsPendingObject_AndCanBeMerged()
    {
        string name = Names.New("bakpend");
        await Vault.CreateRawAsync(name, Policies.Manual("CN=pending.contoso.com"));
        JsonObject pendingBefore = (await Vault.GetPendingAsync(name)).Object;
        string value = KvAssert.Str((await Vault.Raw.PostAsync($"/certificates/{name}/backup", null)).Json, "value");
        await DeleteAndPurgeAsync(name);
        KvAssert.Error(await Vault.GetPendingAsync(name), HttpStatusCode.NotFound);

        RawResponse restored = await RestoreRawAsync(Vault, value);
        Assert.True(restored.Status == HttpStatusCode.OK, $"restore: {restored}");
        Assert.Equal(Vault.Raw.BaseUrl + $"/certificates/{name}/pending", restored.Json["pending"]?["id"]?.GetValue<string>());
        Assert.False(restored.Json["attributes"]!["enabled"]!.GetValue<bool>());
        RawResponse pendingAfter = await Vault.GetPendingAsync(name);
        Assert.True(JsonNode.DeepEquals(pendingBefore, pendingAfter.Json), $"before {pendingBefore.ToJsonString()}\nafter  {pendingAfter.Body}");

        // The restored key is the CSR's: the merge of a CA's answer to it completes the certificate.
        using var ca = new TestCa("Backup Test CA");
        using X509Certificate2 leaf = ca.SignPending(pendingAfter.Json);
        RawResponse merged = await Vault.Raw.PostAsync(
            $"/certificates/{name}/pending/merge",
            new JsonObject { ["x5c"] = new JsonArray(Convert.ToBase64String(leaf.RawData), Convert.ToBase64String(ca.Root.RawData)) });
        Assert.True(merged.Status == HttpStatusCode.Created, $"merge: {merged}");
    }

    [Fact]
    public async Task RestoreIsNotACertificateName_ButACertificateNamedRestoreIsServed()
    {
        await using VaultFixture own = await StartOwnVaultAsync();
        VaultConnection vault = own.Vault;

        // POST /certificates/restore is the restore operation, whatever the vault holds.
        RestoreRefused(await RestoreRawAsync(vault, "AAAA"));
        KvAssert.Error(await vault.Raw.GetAsync("/certificates/restore"), HttpStatusCode.NotFound, "CertificateNotFound");
        KvAssert.Error(await vault.Raw.DeleteAsync("/certificates/restore"), HttpStatusCode.NotFound, "CertificateNotFound");

        // A certificate may be named "restore": its own paths have three segments or more.
        await vault.CreateRawAsync("restore", Policies.Self("CN=restore.contoso.com"));
        await vault.WaitForFinalAsync("restore");
        Assert.Equal(HttpStatusCode.OK, (await vault.Raw.GetAsync("/certificates/restore")).Status);
        RawResponse backup = await vault.Raw.PostAsync("/certificates/restore/backup", null);
        Assert.True(backup.Status == HttpStatusCode.OK, $"backup of 'restore': {backup}");
        KvAssert.Error(await RestoreRawAsync(vault, KvAssert.Str(backup.Json, "value")), HttpStatusCode.Conflict, "Conflict");
        Assert.Equal(HttpStatusCode.OK, (await vault.Raw.DeleteAsync("/certificates/restore")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await vault.Raw.DeleteAsync("/deletedcertificates/restore")).Status);
        RawResponse restored = await RestoreRawAsync(vault, KvAssert.Str(backup.Json, "value"));
        Assert.True(restored.Status == HttpStatusCode.OK, $"restore of 'restore': {restored}");
        Assert.Equal(vault.Raw.BaseUrl + "/certificates/restore", KvAssert.Str(restored.Json, "id")[..(vault.Raw.BaseUrl.Length + "/certificates/restore".Length)]);

        // Other methods on the restore path are refused in the vault's shape.
        KvAssert.ClientError(await vault.Raw.PutAsync("/certificates/restore/backup", new JsonObject()));
    }

    [Fact]
    public async Task ABackupKeyFileThatCannotBeRead_StopsTheStart_AndIsKept()
    {
        string directory = VaultHost.NewDataDirectory();
        try
        {
            string keyFile = Path.Combine(directory, BackupProtector.KeyFileName);
            await File.WriteAllTextAsync(keyFile, "not a key");
            InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(() => VaultHost.StartAsync(directory));
            Assert.Contains(keyFile, refused.Message, StringComparison.Ordinal);
            Assert.Equal("not a key", await File.ReadAllTextAsync(keyFile));
        }
        finally
        {
            VaultHost.DeleteDataDirectory(directory);
        }
    }

    private static void RestoreRefused(RawResponse response)
    {
        JsonObject error = KvAssert.Error(response, HttpStatusCode.BadRequest, MalformedCode);
        Assert.Equal(MalformedMessage, error["message"]!.GetValue<string>());
    }

    private static Task<RawResponse> RestoreRawAsync(VaultConnection vault, string value) =>
        vault.Raw.PostAsync("/certificates/restore", new JsonObject { ["value"] = value });

    private static Task<VaultFixture> StartOwnVaultAsync(string? dataDirectory = null) => VaultFixture.StartAsync(options =>
    {
        if (dataDirectory is not null)
        {
            options.DataDirectory = dataDirectory;
        }

        options.KeyPool.Sizes[KeyPoolOptions.DefaultSpec] = 2;
    });

    private static string Describe(CertificateProperties version) =>
        $"{version.Version} enabled={version.Enabled} created={version.CreatedOn:O} updated={version.UpdatedOn:O} x5t={Convert.ToHexString(version.X509Thumbprint ?? [])} tags={string.Join(",", version.Tags.Select(t => t.Key + "=" + t.Value))}";

    private async Task<KeyVaultCertificateWithPolicy> CreateAsync(string name, CertificatePolicy policy)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        CertificateOperation operation = await Vault.Certificates.StartCreateCertificateAsync(name, policy, cancellationToken: timeout.Token);
        return await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(100), timeout.Token);
    }

    private async Task<List<CertificateProperties>> VersionsAsync(string name)
    {
        var versions = new List<CertificateProperties>();
        await foreach (CertificateProperties version in Vault.Certificates.GetPropertiesOfCertificateVersionsAsync(name))
        {
            versions.Add(version);
        }

        return versions;
    }

    /// <summary>The version's private key as PKCS#8, read from its secret (the PFX).</summary>
    private async Task<byte[]> PrivateKeyAsync(string name, string version)
    {
        KeyVaultSecret secret = await Vault.Secrets.GetSecretAsync(name, version);
        Assert.Equal("application/x-pkcs12", secret.Properties.ContentType);
        using X509Certificate2 pfx = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(secret.Value), null, X509KeyStorageFlags.Exportable);
        using RSA key = pfx.GetRSAPrivateKey() ?? throw new Xunit.Sdk.XunitException("the PFX has no RSA private key");
        return key.ExportPkcs8PrivateKey();
    }

    private async Task DeleteAndPurgeAsync(string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        DeleteCertificateOperation deleting = await Vault.Certificates.StartDeleteCertificateAsync(name, timeout.Token);
        await deleting.WaitForCompletionAsync(TimeSpan.FromMilliseconds(100), timeout.Token);
        await Vault.Certificates.PurgeDeletedCertificateAsync(name, timeout.Token);
        KvAssert.Error(await Vault.Raw.GetAsync($"/deletedcertificates/{name}"), HttpStatusCode.NotFound);
    }
}
