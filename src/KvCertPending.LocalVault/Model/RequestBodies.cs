using System.Text.Json.Serialization;

namespace KvCertPending.LocalVault.Model;

/// <summary>Attributes a client may set on a certificate.</summary>
internal sealed class CertificateAttributesInput
{
    [JsonPropertyName("enabled")]
    public bool? Enabled { get; set; }
}

/// <summary>PATCH /certificates/{name}/{version}; also the fields create and import share.</summary>
internal class UpdateCertificateBody
{
    [JsonPropertyName("policy")]
    public PolicyModel? Policy { get; set; }

    [JsonPropertyName("attributes")]
    public CertificateAttributesInput? Attributes { get; set; }

    [JsonPropertyName("tags")]
    public Dictionary<string, string>? Tags { get; set; }
}

/// <summary>POST /certificates/{name}/create.</summary>
internal class CreateCertificateBody : UpdateCertificateBody
{
    [JsonPropertyName("preserveCertOrder")]
    public bool? PreserveCertOrder { get; set; }
}

/// <summary>POST /certificates/{name}/import.</summary>
internal sealed class ImportCertificateBody : CreateCertificateBody
{
    [JsonPropertyName("value")]
    public string? Value { get; set; }

    [JsonPropertyName("pwd")]
    public string? Password { get; set; }
}

/// <summary>POST /certificates/{name}/pending/merge.</summary>
internal sealed class MergeCertificateBody
{
    [JsonPropertyName("x5c")]
    public List<string>? X5c { get; set; }

    [JsonPropertyName("attributes")]
    public CertificateAttributesInput? Attributes { get; set; }

    [JsonPropertyName("tags")]
    public Dictionary<string, string>? Tags { get; set; }
}

/// <summary>PATCH /certificates/{name}/pending.</summary>
internal sealed class UpdatePendingBody
{
    [JsonPropertyName("cancellation_requested")]
    public bool? CancellationRequested { get; set; }
}

/// <summary>POST /certificates/restore.</summary>
internal sealed class RestoreCertificateBody
{
    [JsonPropertyName("value")]
    public string? Value { get; set; }
}
