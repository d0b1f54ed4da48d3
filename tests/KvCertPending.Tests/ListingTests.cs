using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault;
using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>The vault-wide listing (no -Name) over more than 200 certificates: every pending request once, in name order.</summary>
public sealed class ListingTests : IClassFixture<ModuleVault>
{
    private readonly ModuleVault _vault;

    public ListingTests(ModuleVault vault) => _vault = vault;

    [Fact]
    public async Task ListsEveryPendingRequestOfMoreThan200InAStableOrder()
    {
        // 210 manual requests (EC keys: quick to make), created in a shuffled order; 6 of them lose their pending object.
        var names = Enumerable.Range(0, 210).Select(i => $"bulk-{i:D3}").ToList();
        var shuffled = names.OrderBy(_ => Random.Shared.Next()).ToList();
        using (var gate = new SemaphoreSlim(8))
        {
            await Task.WhenAll(shuffled.Select(async name =>
            {
                await gate.WaitAsync();
                try
                {
                    var policy = new CertificatePolicy("Unknown", "CN=" + name) { KeyType = CertificateKeyType.Ec, KeyCurveName = CertificateKeyCurveName.P256 };
                    await _vault.Client.StartCreateCertificateAsync(name, policy);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        var removed = names.Where((_, i) => i % 35 == 0).ToList();
        foreach (var name in removed)
        {
            await new CertificateOperation(_vault.Client, name).DeleteAsync();
        }

        var expected = names.Except(removed).ToList();
        using var ps = _vault.OpenSession();
        var first = ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri");
        first.AssertNoErrors();
        Assert.Equal(expected, first.Output.Select(o => (string)o.Properties["Name"].Value));
        Assert.All(first.Output, o => Assert.Equal("inProgress", (string)o.Properties["Status"].Value));

        var second = ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri");
        Assert.Equal(expected, second.Output.Select(o => (string)o.Properties["Name"].Value));
    }

    [Fact]
    public async Task WildcardScanOverSeveralPagesLeavesOutCertificatesWithoutAPendingObjectAndSaysHowManyItRead()
    {
        // 70 names under one prefix (three list pages of 25): every third one is pending (a manual request), the others
        // are imported certificates (a completed version, no pending object). Other names in the vault do not match.
        // Its own vault: the other test here lists the whole vault.
        await using var own = new ModuleVault();
        await own.InitializeAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=imported", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        var pfx = certificate.Export(X509ContentType.Pkcs12);
        var names = Enumerable.Range(0, 70).Select(i => $"wild-{i:D2}").ToList();
        var pending = names.Where((_, i) => i % 3 == 0).ToList();
        using (var gate = new SemaphoreSlim(8))
        {
            await Task.WhenAll(names.Select(async name =>
            {
                await gate.WaitAsync();
                try
                {
                    if (pending.Contains(name))
                    {
                        var policy = new CertificatePolicy("Unknown", "CN=" + name) { KeyType = CertificateKeyType.Ec, KeyCurveName = CertificateKeyCurveName.P256 };
                        await own.Client.StartCreateCertificateAsync(name, policy);
                    }
                    else
                    {
                        await own.Client.ImportCertificateAsync(new ImportCertificateOptions(name, pfx));
                    }
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        await own.Client.StartCreateCertificateAsync("other-pending", new CertificatePolicy("Unknown", "CN=other") { KeyType = CertificateKeyType.Ec });

        using var ps = own.OpenSession();
        var result = ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name 'WILD-*' -Verbose");
        result.AssertNoErrors();
        Assert.Equal(pending, result.Output.Select(o => (string)o.Properties["Name"].Value));
        var said = Assert.Single(result.Verbose, v => v.Message.Contains("pending requests of", StringComparison.Ordinal));
        Assert.Contains(" 70 ", said.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneFailingReadIsAnErrorAndTheOthersAreStillListedInNameOrder()
    {
        // Its own vault: 30 manual requests (two list pages); every read of part-07's pending object fails with a 500.
        await using var own = new ModuleVault();
        await own.InitializeAsync();
        var names = Enumerable.Range(0, 30).Select(i => $"part-{i:D2}").ToList();
        foreach (var name in names)
        {
            await own.Client.StartCreateCertificateAsync(name, new CertificatePolicy("Unknown", "CN=" + name) { KeyType = CertificateKeyType.Ec, KeyCurveName = CertificateKeyCurveName.P256 });
        }

        own.Harness.Server.InjectFault(new VaultFault(VaultFaultKind.InternalError) { Method = "GET", PathPrefix = "/certificates/part-07/pending" });
        using var ps = own.OpenSession();
        var result = ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri");
        Assert.Equal(names.Where(n => n != "part-07"), result.Output.Select(o => (string)o.Properties["Name"].Value));
        var error = result.SingleError();
        Assert.Equal("part-07", error.TargetObject);
        Assert.EndsWith(",KvCertPending.Commands.GetKvPendingCertificateCommand", error.FullyQualifiedErrorId, StringComparison.Ordinal);
    }
}
