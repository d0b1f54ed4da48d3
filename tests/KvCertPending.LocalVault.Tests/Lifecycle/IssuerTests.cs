using System.Net;
using System.Text.Json.Nodes;
using Azure;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Lifecycle;

/// <summary>Issuer resources: create, read, update, list, delete; the password is never echoed.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class IssuerTests(VaultFixture fixture)
{
    private const string Password = "issuer-password-never-echoed";

    private VaultConnection Vault => fixture.Vault;

    [Fact]
    public async Task Crud_NeverEchoesPassword()
    {
        string name = Names.New("crud");
        var issuer = new CertificateIssuer(name, "GlobalSign") { AccountId = "acct-1", Password = Password, OrganizationId = "org-1" };
        issuer.AdministratorContacts.Add(new AdministratorContact { Email = "admin@contoso.com", FirstName = "Ada", LastName = "Admin", Phone = "555" });

        CertificateIssuer created = await Vault.Certificates.CreateIssuerAsync(issuer);
        Assert.Equal("GlobalSign", created.Provider);
        Assert.Equal("acct-1", created.AccountId);
        Assert.Null(created.Password);
        Assert.Equal($"{Vault.Raw.BaseUrl}/certificates/issuers/{name}", created.Id.ToString().TrimEnd('/'));

        RawResponse raw = await Vault.Raw.GetAsync($"/certificates/issuers/{name}");
        Assert.Equal(HttpStatusCode.OK, raw.Status);
        Assert.DoesNotContain(Password, raw.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"pwd\"", raw.Body, StringComparison.Ordinal);
        Assert.Equal("GlobalSign", KvAssert.Str(raw.Json, "provider"));
        Assert.Equal("acct-1", KvAssert.Str(raw.Json["credentials"], "account_id"));

        CertificateIssuer fetched = await Vault.Certificates.GetIssuerAsync(name);
        Assert.Equal("org-1", fetched.OrganizationId);
        Assert.Equal("admin@contoso.com", Assert.Single(fetched.AdministratorContacts).Email);

        fetched.AccountId = "acct-2";
        CertificateIssuer updated = await Vault.Certificates.UpdateIssuerAsync(fetched);
        Assert.Equal("acct-2", updated.AccountId);
        Assert.Equal("GlobalSign", updated.Provider);

        RawResponse patched = await Vault.Raw.PatchAsync($"/certificates/issuers/{name}", new JsonObject
        {
            ["credentials"] = new JsonObject { ["account_id"] = "acct-3", ["pwd"] = "another-secret" },
        });
        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.DoesNotContain("another-secret", patched.Body, StringComparison.Ordinal);
        Assert.Equal("acct-3", KvAssert.Str(patched.Json["credentials"], "account_id"));

        List<IssuerProperties> listed = await Vault.Certificates.GetPropertiesOfIssuersAsync().ToListAsync();
        Assert.Contains(name, listed.Select(i => i.Name));
        RawResponse list = await Vault.Raw.GetAsync("/certificates/issuers");
        Assert.DoesNotContain(Password, list.Body, StringComparison.Ordinal);

        RawResponse deleted = await Vault.Raw.DeleteAsync($"/certificates/issuers/{name}");
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.DoesNotContain("another-secret", deleted.Body, StringComparison.Ordinal);

        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/issuers/{name}"), HttpStatusCode.NotFound, "CertificateIssuerNotFound");
        RequestFailedException e = await Assert.ThrowsAsync<RequestFailedException>(() => Vault.Certificates.GetIssuerAsync(name));
        Assert.Equal(404, e.Status);
    }

    [Fact]
    public async Task MissingIssuer_NotFoundForGetPatchDelete()
    {
        string name = Names.New("missing");
        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/issuers/{name}"), HttpStatusCode.NotFound, "CertificateIssuerNotFound");
        KvAssert.Error(await Vault.Raw.DeleteAsync($"/certificates/issuers/{name}"), HttpStatusCode.NotFound, "CertificateIssuerNotFound");
        KvAssert.Error(
            await Vault.Raw.PatchAsync($"/certificates/issuers/{name}", new JsonObject { ["provider"] = "DigiCert" }),
            HttpStatusCode.NotFound,
            "CertificateIssuerNotFound");
    }

    [Theory]
    [InlineData("bad_issuer")]
    [InlineData("a.b")]
    public async Task InvalidIssuerName_BadParameter(string badName)
    {
        var body = new JsonObject { ["provider"] = "DigiCert" };
        KvAssert.Error(await Vault.Raw.PutAsync($"/certificates/issuers/{badName}", body), HttpStatusCode.BadRequest, "BadParameter");
        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/issuers/{badName}"), HttpStatusCode.BadRequest, "BadParameter");
    }

    [Fact]
    public async Task IssuerWithoutProvider_IsBadParameter()
    {
        string name = Names.New("noprov");
        RawResponse response = await Vault.Raw.PutAsync($"/certificates/issuers/{name}", new JsonObject { ["credentials"] = new JsonObject { ["account_id"] = "a" } });
        KvAssert.Error(response, HttpStatusCode.BadRequest, "BadParameter");
        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/issuers/{name}"), HttpStatusCode.NotFound);
    }
}
