using Xunit;

namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>What the vault says about one name (certificate, pending object, versions, deleted entry, issuer), to prove "no state change".</summary>
internal sealed record StateSnapshot(string Certificate, string Pending, string Versions, string Deleted, string Issuer)
{
    public static async Task<StateSnapshot> TakeAsync(VaultConnection vault, string name)
    {
        static string Of(RawResponse r) => $"{r.StatusCode} {r.Body}";
        return new StateSnapshot(
            Of(await vault.Raw.GetAsync($"/certificates/{name}").ConfigureAwait(false)),
            Of(await vault.Raw.GetAsync($"/certificates/{name}/pending").ConfigureAwait(false)),
            Of(await vault.Raw.GetAsync($"/certificates/{name}/versions").ConfigureAwait(false)),
            Of(await vault.Raw.GetAsync($"/deletedcertificates/{name}").ConfigureAwait(false)),
            Of(await vault.Raw.GetAsync($"/certificates/issuers/{name}").ConfigureAwait(false)));
    }

    public async Task AssertUnchangedAsync(VaultConnection vault, string name, string because)
    {
        StateSnapshot after = await TakeAsync(vault, name).ConfigureAwait(false);
        Assert.True(after == this, $"state of {name} changed after {because}:\nbefore {this}\nafter  {after}");
    }
}
