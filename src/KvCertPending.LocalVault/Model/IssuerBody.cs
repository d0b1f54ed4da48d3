using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace KvCertPending.LocalVault.Model;

/// <summary>PUT/PATCH /certificates/issuers/{name}.</summary>
internal sealed class IssuerBody
{
    [JsonPropertyName("provider")]
    public string? Provider { get; set; }

    [JsonPropertyName("credentials")]
    public IssuerCredentials? Credentials { get; set; }

    [JsonPropertyName("org_details")]
    public JsonObject? OrganizationDetails { get; set; }

    [JsonPropertyName("attributes")]
    public CertificateAttributesInput? Attributes { get; set; }
}

internal sealed class IssuerCredentials
{
    [JsonPropertyName("account_id")]
    public string? AccountId { get; set; }

    [JsonPropertyName("pwd")]
    public string? Password { get; set; }
}
