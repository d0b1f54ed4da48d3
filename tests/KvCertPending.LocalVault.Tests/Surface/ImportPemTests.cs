using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Tests.Infrastructure;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Surface;

/// <summary>
/// A PEM import's value may be the PEM text or that text base64-encoded, as the service accepts ("PEM content or Base64
/// encoded PEM content"): the Python SDK's import_certificate, and so the az CLI, always base64-encodes the bytes.
/// </summary>
[Collection(SurfaceCollection.Name)]
public sealed class ImportPemTests(VaultFixture fixture)
{
    private VaultConnection Vault => fixture.Vault;

    [Fact]
    public async Task Import_Base64EncodedPem_IsThePemItEncodes()
    {
        string name = Names.New("ipem64");
        string pem = Chains.SelfSignedPem("CN=pem64.contoso.com");
        using X509Certificate2 original = X509Certificate2.CreateFromPem(pem, pem);

        RawResponse imported = await ImportPemAsync(name, Convert.ToBase64String(Encoding.UTF8.GetBytes(pem)));

        Assert.True(imported.Status == HttpStatusCode.OK, imported.ToString());
        Assert.Equal(original.RawData, Convert.FromBase64String(KvAssert.Str(imported.Json, "cer")));
    }

    [Fact]
    public async Task Import_Base64OfSomethingElse_WithThePemContentType_IsBadParameter()
    {
        string name = Names.New("ipem64bad");

        RawResponse refused = await ImportPemAsync(name, Convert.ToBase64String(Chains.SelfSignedPfx("CN=not-pem")));

        KvAssert.Error(refused, HttpStatusCode.BadRequest, "BadParameter");
        KvAssert.Error(await Vault.Raw.GetAsync($"/certificates/{name}"), HttpStatusCode.NotFound);
    }

    private Task<RawResponse> ImportPemAsync(string name, string value) =>
        Vault.Raw.PostAsync($"/certificates/{name}/import", new JsonObject
        {
            ["value"] = value,
            ["policy"] = new JsonObject { ["secret_props"] = new JsonObject { ["contentType"] = "application/x-pem-file" } },
        });
}
