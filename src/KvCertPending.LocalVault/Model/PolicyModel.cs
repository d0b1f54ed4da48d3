using System.Text.Json.Serialization;

namespace KvCertPending.LocalVault.Model;

/// <summary>A certificate policy, with Key Vault's JSON names. The same shape is stored and returned.</summary>
internal sealed class PolicyModel
{
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("key_props")]
    public KeyProperties? KeyProps { get; set; }

    [JsonPropertyName("secret_props")]
    public SecretProperties? SecretProps { get; set; }

    [JsonPropertyName("x509_props")]
    public X509Properties? X509Props { get; set; }

    [JsonPropertyName("lifetime_actions")]
    public List<LifetimeAction>? LifetimeActions { get; set; }

    [JsonPropertyName("issuer")]
    public IssuerParameters? Issuer { get; set; }

    [JsonPropertyName("attributes")]
    public PolicyAttributes? Attributes { get; set; }
}

internal sealed class KeyProperties
{
    [JsonPropertyName("exportable")]
    public bool? Exportable { get; set; }

    [JsonPropertyName("kty")]
    public string? KeyType { get; set; }

    [JsonPropertyName("key_size")]
    public int? KeySize { get; set; }

    [JsonPropertyName("reuse_key")]
    public bool? ReuseKey { get; set; }

    [JsonPropertyName("crv")]
    public string? Curve { get; set; }
}

internal sealed class SecretProperties
{
    [JsonPropertyName("contentType")]
    public string? ContentType { get; set; }
}

internal sealed class X509Properties
{
    [JsonPropertyName("subject")]
    public string? Subject { get; set; }

    [JsonPropertyName("sans")]
    public SubjectAlternativeNames? Sans { get; set; }

    [JsonPropertyName("ekus")]
    public List<string>? Ekus { get; set; }

    [JsonPropertyName("key_usage")]
    public List<string>? KeyUsage { get; set; }

    [JsonPropertyName("validity_months")]
    public int? ValidityMonths { get; set; }

    [JsonPropertyName("basic_constraints")]
    public BasicConstraints? BasicConstraints { get; set; }
}

internal sealed class BasicConstraints
{
    [JsonPropertyName("ca")]
    public bool? CertificateAuthority { get; set; }
}

internal sealed class SubjectAlternativeNames
{
    [JsonPropertyName("emails")]
    public List<string>? Emails { get; set; }

    [JsonPropertyName("dns_names")]
    public List<string>? DnsNames { get; set; }

    [JsonPropertyName("upns")]
    public List<string>? Upns { get; set; }
}

internal sealed class LifetimeAction
{
    [JsonPropertyName("trigger")]
    public LifetimeTrigger? Trigger { get; set; }

    [JsonPropertyName("action")]
    public LifetimeActionType? Action { get; set; }
}

internal sealed class LifetimeTrigger
{
    [JsonPropertyName("lifetime_percentage")]
    public int? LifetimePercentage { get; set; }

    [JsonPropertyName("days_before_expiry")]
    public int? DaysBeforeExpiry { get; set; }
}

internal sealed class LifetimeActionType
{
    [JsonPropertyName("action_type")]
    public string? ActionType { get; set; }
}

internal sealed class IssuerParameters
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("cty")]
    public string? CertificateType { get; set; }

    [JsonPropertyName("cert_transparency")]
    public bool? CertificateTransparency { get; set; }
}

internal sealed class PolicyAttributes
{
    [JsonPropertyName("enabled")]
    public bool? Enabled { get; set; }

    [JsonPropertyName("created")]
    public long? Created { get; set; }

    [JsonPropertyName("updated")]
    public long? Updated { get; set; }
}
