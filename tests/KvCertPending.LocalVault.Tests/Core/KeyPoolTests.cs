using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault.Crypto;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Core;

/// <summary>The pools of pre-generated keys behind creates: what they hold, when they fill, what they hand out.</summary>
public sealed class KeyPoolTests
{
    private static readonly TimeSpan FillLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public void PoolSizesParseFromTheCommandLineFormAndABadEntryChangesNothing()
    {
        var options = new KeyPoolOptions();
        Assert.Null(options.SetSizes("rsa-2048=3, EC-P-384=0,RSA-4096=5"));
        Assert.Equal(3, options.Sizes["RSA-2048"]);
        Assert.Equal(0, options.Sizes["EC-P-384"]);
        Assert.Equal(5, options.Sizes["RSA-4096"]);

        foreach (var bad in new[] { "RSA-1024=4", "RSA-2048", "RSA-2048=-1", "RSA-2048=x", "EC-P-999=1", $"RSA-2048={KeyPoolOptions.MaxSize + 1}", "RSA-3072=2,bogus=1" })
        {
            var error = options.SetSizes(bad);
            Assert.NotNull(error);
            Assert.Contains("SPEC=N", error, StringComparison.Ordinal);
            Assert.Equal(3, options.Sizes["RSA-2048"]);
            Assert.Equal(4, options.Sizes["RSA-3072"]);
        }
    }

    [Fact]
    public async Task TheStartSpecFillsToItsSizeAndServesDistinctGeneratedKeysThenRefills()
    {
        var options = Options(("RSA-2048", 3));
        using var keys = new KeyFactory(options);
        keys.Prime();
        await WaitForAsync(() => keys.ReadyCount(KeySpec.ForRsa(2048)) == 3);

        var served = new List<AsymmetricAlgorithm>();
        for (var i = 0; i < 3; i++)
        {
            served.Add(await keys.CreateAsync(KeySpec.ForRsa(2048), CancellationToken.None));
        }

        Assert.Equal(3, keys.Served);
        Assert.Equal(0, keys.Missed);
        var publicKeys = served.Select(k => Convert.ToBase64String(k.ExportSubjectPublicKeyInfo())).ToHashSet();
        Assert.Equal(3, publicKeys.Count);
        Assert.All(served, k => Assert.Equal(2048, Assert.IsAssignableFrom<RSA>(k).KeySize));

        // Taking keys woke the refill: the pool is full again without another request.
        await WaitForAsync(() => keys.ReadyCount(KeySpec.ForRsa(2048)) == 3);
        served.ForEach(k => k.Dispose());
    }

    [Fact]
    public async Task AnotherSpecFillsOnlyAfterItsFirstCreateWhichGeneratesItsOwnKey()
    {
        var options = Options(("RSA-2048", 1), ("EC-P-256", 2));
        using var keys = new KeyFactory(options);
        keys.Prime();
        await WaitForAsync(() => keys.ReadyCount(KeySpec.ForRsa(2048)) == 1);
        Assert.Equal(0, keys.ReadyCount(KeySpec.ForCurve("P-256")));

        using var first = await keys.CreateAsync(KeySpec.ForCurve("P-256"), CancellationToken.None);
        Assert.Equal(256, Assert.IsAssignableFrom<ECDsa>(first).KeySize);
        Assert.Equal(1, keys.Missed);
        Assert.Equal(0, keys.Served);

        await WaitForAsync(() => keys.ReadyCount(KeySpec.ForCurve("P-256")) == 2);
        using var pooled = await keys.CreateAsync(KeySpec.ForCurve("P-256"), CancellationToken.None);
        Assert.Equal(1, keys.Served);
        Assert.False(pooled.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(first.ExportSubjectPublicKeyInfo()));
    }

    [Fact]
    public async Task ASpecWithSizeZeroHasNoPoolAndEveryCreateGeneratesItsKey()
    {
        var options = Options(("RSA-2048", 0));
        using var keys = new KeyFactory(options);
        keys.Prime();
        using var key = await keys.CreateAsync(KeySpec.ForRsa(2048), CancellationToken.None);

        Assert.Equal(2048, key.KeySize);
        Assert.Equal(0, keys.ReadyCount(KeySpec.ForRsa(2048)));
        Assert.Equal(0, keys.Served);
        Assert.Equal(1, keys.Missed);
    }

    [Fact]
    public async Task ConcurrentCreatesNeverShareAKeyWhetherPooledOrGenerated()
    {
        var options = Options(("EC-P-256", 4));
        options.FillAtStart.Add("EC-P-256");
        options.RefillThreads = 2;
        using var keys = new KeyFactory(options);
        keys.Prime();
        await WaitForAsync(() => keys.ReadyCount(KeySpec.ForCurve("P-256")) == 4);

        var taken = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(() => keys.CreateAsync(KeySpec.ForCurve("P-256"), CancellationToken.None))));
        Assert.Equal(40, taken.Select(k => Convert.ToBase64String(k.ExportSubjectPublicKeyInfo())).Distinct().Count());
        Assert.Equal(40, keys.Served + keys.Missed);
        Assert.True(keys.Served >= 4, $"served {keys.Served}");
        foreach (var key in taken)
        {
            key.Dispose();
        }
    }

    [Fact]
    public async Task CreatesOfEveryPooledSpecGetWorkingKeysThroughTheVault()
    {
        await using var vault = await CoreVault.StartAsync();
        var server = vault.Server;
        foreach (var (spec, policy) in new (string, CertificatePolicy)[]
        {
            ("RSA-3072", new("Unknown", "CN=pool-rsa") { KeyType = CertificateKeyType.Rsa, KeySize = 3072 }),
            ("EC-P-384", new("Unknown", "CN=pool-ec") { KeyType = CertificateKeyType.Ec, KeyCurveName = CertificateKeyCurveName.P384 }),
        })
        {
            // The first create of a spec generates its key and switches its pool on; the second takes a pooled key.
            await vault.Client.StartCreateCertificateAsync($"{spec}-first", policy);
            await WaitForAsync(() => server.KeyPoolReadyCount(spec) >= 1);
            var operation = await vault.Client.StartCreateCertificateAsync($"{spec}-pooled", policy);
            var csr = CertificateRequest.LoadSigningRequest(operation.Properties.Csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
            Assert.Equal(spec.StartsWith("RSA", StringComparison.Ordinal) ? "1.2.840.113549.1.1.1" : "1.2.840.10045.2.1", csr.PublicKey.Oid.Value);
        }

        Assert.True(server.KeyPoolCounts.Served >= 2, $"served {server.KeyPoolCounts.Served}");
    }

    [Theory]
    [InlineData("--key-pool", "RSA-1024=4", "--key-pool: 'RSA-1024=4' is not SPEC=N")]
    [InlineData("--key-pool", "RSA-2048=lots", "--key-pool: 'RSA-2048=lots' is not SPEC=N")]
    [InlineData("--key-pool-threads", "0", "Unknown or incomplete argument '--key-pool-threads'")]
    public async Task TheCommandLineRefusesABadPoolSettingBeforeStarting(string option, string value, string message)
    {
        await Infrastructure.VaultHost.AssertCommandLineRefusedAsync(message, option, value);
    }

    private static KeyPoolOptions Options(params (string Spec, int Size)[] sizes)
    {
        var options = new KeyPoolOptions { RefillThreads = 1 };
        options.Sizes.Clear();
        foreach (var (spec, size) in sizes)
        {
            options.Sizes[spec] = size;
        }

        return options;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < FillLimit, "The key pool did not fill.");
            await Task.Delay(20);
        }
    }
}
