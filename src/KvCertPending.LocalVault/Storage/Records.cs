using KvCertPending.LocalVault.Model;

namespace KvCertPending.LocalVault.Storage;

/// <summary>A certificate name: its current policy and, when soft-deleted, when.</summary>
internal sealed class CertificateRecord
{
    public string Name { get; set; } = string.Empty;

    public PolicyModel Policy { get; set; } = new();

    public long? DeletedOn { get; set; }

    public long? ScheduledPurgeOn { get; set; }
}

/// <summary>One version of a certificate: its key, and once issued its chain.</summary>
internal sealed class VersionRecord
{
    public string Name { get; set; } = string.Empty;

    public string Version { get; set; } = string.Empty;

    public bool Enabled { get; set; }

    public long Created { get; set; }

    public long Updated { get; set; }

    public long? NotBefore { get; set; }

    public long? Expires { get; set; }

    /// <summary>Base64 DER certificates, leaf first (or in the merged order when preserveCertOrder). Null while pending.</summary>
    public List<string>? Chain { get; set; }

    /// <summary>RSA or EC.</summary>
    public string KeyType { get; set; } = "RSA";

    /// <summary>Base64 PKCS#8 private key.</summary>
    public string PrivateKey { get; set; } = string.Empty;

    public bool Exportable { get; set; } = true;

    public string ContentType { get; set; } = "application/x-pkcs12";

    public Dictionary<string, string>? Tags { get; set; }
}

/// <summary>The pending object of a certificate name, with the progress of its (simulated) CA request.</summary>
internal sealed class PendingRecord
{
    public string Name { get; set; } = string.Empty;

    public string RequestId { get; set; } = string.Empty;

    /// <summary>The certificate version this request will complete.</summary>
    public string Version { get; set; } = string.Empty;

    public string IssuerName { get; set; } = string.Empty;

    /// <summary>Base64 DER PKCS#10.</summary>
    public string Csr { get; set; } = string.Empty;

    public bool CancellationRequested { get; set; }

    public string Status { get; set; } = PendingStatus.InProgress;

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    /// <summary>Issuer provider for a named issuer (DigiCert, ...); null for Self and Unknown.</summary>
    public string? Provider { get; set; }

    /// <summary>When the simulated CA answers (Unix milliseconds); null for Unknown (manual merge).</summary>
    public long? DueAtMs { get; set; }

    public IssuerOutcome Outcome { get; set; }

    public bool HonourCancellation { get; set; }

    public int ValidityMonths { get; set; } = 12;

    public bool PreserveCertOrder { get; set; }

    /// <summary>The enabled attribute the client asked for, applied when the certificate is issued or merged.</summary>
    public bool EnableOnCompletion { get; set; } = true;

    public bool IsInProgress => Status == PendingStatus.InProgress;
}

internal static class PendingStatus
{
    public const string InProgress = "inProgress";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}

/// <summary>An issuer object, as the client gave it (the password kept, never returned).</summary>
internal sealed class IssuerRecord
{
    public string Name { get; set; } = string.Empty;

    public string Provider { get; set; } = string.Empty;

    public string? AccountId { get; set; }

    public string? Password { get; set; }

    public System.Text.Json.Nodes.JsonObject? OrganizationDetails { get; set; }

    public bool Enabled { get; set; } = true;

    public long Created { get; set; }

    public long Updated { get; set; }
}

/// <summary>The simulation chosen for one issuer name (management endpoint or <c>SetIssuerSimulation</c>).</summary>
internal sealed class SimulationRecord
{
    public string Issuer { get; set; } = string.Empty;

    public double DelaySeconds { get; set; }

    public IssuerOutcome Outcome { get; set; }

    public bool HonourCancellation { get; set; }

    public IssuerSimulation ToSimulation() => new(TimeSpan.FromSeconds(DelaySeconds), Outcome, HonourCancellation);
}
