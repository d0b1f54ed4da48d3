using Azure.Security.KeyVault.Certificates;
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
}
