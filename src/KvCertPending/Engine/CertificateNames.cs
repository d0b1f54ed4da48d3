using System.Text.RegularExpressions;

namespace KvCertPending.Engine
{
    /// <summary>Key Vault's rule for object names: 1-127 characters of 0-9, a-z, A-Z and '-'.</summary>
    internal static class CertificateNames
    {
        private static readonly Regex Pattern = new("^[0-9a-zA-Z-]{1,127}$", RegexOptions.CultureInvariant);

        public static bool IsValid(string? name) => name is not null && Pattern.IsMatch(name);
    }
}
