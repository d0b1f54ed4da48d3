using System.Text.Json;
using Azure.Security.KeyVault.Certificates;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Core;

/// <summary>The certificate listings page and filter in the database: every page is the right slice of the whole.</summary>
public sealed class ListingPageTests
{
    [Fact]
    public async Task PagesOfEveryListingAreTheFilteredNamesInOrderWithoutGapsOrRepeats()
    {
        await using var vault = await CoreVault.StartAsync();
        var issued = new[] { "b-issued", "D-issued", "f-issued", "h-issued" };
        var pending = new[] { "a-pending", "C-pending", "e-pending" };
        foreach (var name in issued)
        {
            var operation = await vault.Client.StartCreateCertificateAsync(name, new CertificatePolicy(WellKnownIssuerNames.Self, "CN=" + name));
            await operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }

        foreach (var name in pending)
        {
            await vault.Client.StartCreateCertificateAsync(name, new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=" + name));
        }

        // A pending re-create of an issued name: its latest version is pending, so it leaves the issued-only listing.
        await vault.Client.StartCreateCertificateAsync("h-issued", new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=h-issued"));
        var deleting = await vault.Client.StartDeleteCertificateAsync("f-issued");
        await deleting.WaitForCompletionAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);

        foreach (var size in new[] { 1, 2, 25 })
        {
            Assert.Equal(["b-issued", "D-issued"], await AllPagesAsync(vault, $"certificates?api-version=7.6&maxresults={size}", size));
            Assert.Equal(["a-pending", "b-issued", "C-pending", "D-issued", "e-pending", "h-issued"], await AllPagesAsync(vault, $"certificates?api-version=7.6&includePending=true&maxresults={size}", size));
            Assert.Equal(["f-issued"], await AllPagesAsync(vault, $"deletedcertificates?api-version=7.6&maxresults={size}", size));
        }

        // A skip token past the end is an empty last page.
        var beyond = await vault.GetJsonAsync("certificates?api-version=7.6&includePending=true&$skiptoken=50");
        Assert.Equal(0, beyond.GetProperty("value").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, beyond.GetProperty("nextLink").ValueKind);
    }

    private static async Task<List<string>> AllPagesAsync(CoreVault vault, string first, int size)
    {
        var names = new List<string>();
        string? link = first;
        while (link is not null)
        {
            var page = await vault.GetJsonAsync(link);
            var items = page.GetProperty("value").EnumerateArray().Select(i => i.GetProperty("id").GetString()!.Split('/')[^1]).ToList();
            Assert.InRange(items.Count, 1, size);
            names.AddRange(items);
            link = page.GetProperty("nextLink").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextLink").GetString();
        }

        return names;
    }
}
