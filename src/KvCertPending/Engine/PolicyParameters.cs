using System.Collections.Generic;

namespace KvCertPending.Engine
{
    /// <summary>The policy as New-KvCertificate's parameters describe it; null means "not given, service default".</summary>
    internal sealed class PolicyParameters
    {
        public string IssuerName { get; set; } = "Unknown";

        public string? Subject { get; set; }

        public IList<string> DnsNames { get; set; } = new List<string>();

        public IList<string> Emails { get; set; } = new List<string>();

        public IList<string> UserPrincipalNames { get; set; } = new List<string>();

        public string? CertificateType { get; set; }

        public bool? CertificateTransparency { get; set; }

        public string? KeyType { get; set; }

        public int? KeySize { get; set; }

        public string? Curve { get; set; }

        public bool? Exportable { get; set; }

        public bool? ReuseKey { get; set; }

        public string? ContentType { get; set; }

        public int? ValidityInMonths { get; set; }

        public IList<string> EnhancedKeyUsage { get; set; } = new List<string>();

        public IList<string> KeyUsage { get; set; } = new List<string>();

        public int? RenewAtPercentageLifetime { get; set; }

        public int? RenewAtNumberOfDaysBeforeExpiry { get; set; }

        public int? EmailAtPercentageLifetime { get; set; }

        public int? EmailAtNumberOfDaysBeforeExpiry { get; set; }
    }
}
