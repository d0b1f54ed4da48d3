using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Model;

/// <summary>Issuer bundles as Key Vault writes them; the password is never written.</summary>
internal static class IssuerView
{
    public static JsonObject Render(IssuerRecord issuer, VaultUrls urls)
    {
        var json = new JsonObject
        {
            ["id"] = urls.Issuer(issuer.Name),
            ["provider"] = issuer.Provider,
        };
        if (issuer.AccountId is not null)
        {
            json["credentials"] = new JsonObject { ["account_id"] = issuer.AccountId };
        }

        if (issuer.OrganizationDetails is not null)
        {
            json["org_details"] = issuer.OrganizationDetails.DeepClone();
        }

        json["attributes"] = new JsonObject
        {
            ["enabled"] = issuer.Enabled,
            ["created"] = issuer.Created,
            ["updated"] = issuer.Updated,
        };
        return json;
    }

    public static JsonObject Item(IssuerRecord issuer, VaultUrls urls) => new()
    {
        ["id"] = urls.Issuer(issuer.Name),
        ["provider"] = issuer.Provider,
    };
}
