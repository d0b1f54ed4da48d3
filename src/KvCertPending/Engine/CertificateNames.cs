using System.Text.RegularExpressions;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Key Vault's rule for object names: 1-127 characters of 0-9, a-z, A-Z and '-'. Anchored with \A and \z: '$' would
    /// also match before a trailing newline and let "name\n" through.
    /// </summary>
    internal static class CertificateNames
    {
        private static readonly Regex Pattern = new("\\A[0-9a-zA-Z-]{1,127}\\z", RegexOptions.CultureInvariant);

        public static bool IsValid(string? name) => name is not null && Pattern.IsMatch(name);
    }
}
