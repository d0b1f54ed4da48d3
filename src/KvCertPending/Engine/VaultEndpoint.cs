using System;
using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;
using KvCertPending.Model;
using KvCertPending.Resources;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Where a vault is: its URI, its short name, and whether it lives under an Azure Key Vault DNS suffix. Names follow
    /// Azure's rule: 3-24 letters, digits and '-', starting with a letter, ending with a letter or digit, no "--".
    /// </summary>
    internal sealed class VaultEndpoint
    {
        private static readonly Regex VaultNamePattern = new("\\A(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]\\z", RegexOptions.CultureInvariant | RegexOptions.Singleline);

        private VaultEndpoint(Uri vaultUri, KvCloudEnvironment environment, bool isAzureHost)
        {
            VaultUri = vaultUri;
            Environment = environment;
            IsAzureHost = isAzureHost;
            VaultName = vaultUri.Host.Split('.')[0];
        }

        public Uri VaultUri { get; }

        public string VaultName { get; }

        public KvCloudEnvironment Environment { get; }

        /// <summary>False for hosts such as localhost: the SDK must then skip its challenge resource check.</summary>
        public bool IsAzureHost { get; }

        public string Key => VaultUri.AbsoluteUri;

        public static string DnsSuffix(KvCloudEnvironment environment) => environment switch
        {
            KvCloudEnvironment.AzureCloud => "vault.azure.net",
            KvCloudEnvironment.AzureChinaCloud => "vault.azure.cn",
            KvCloudEnvironment.AzureUSGovernment => "vault.usgovcloudapi.net",
            _ => throw new ArgumentOutOfRangeException(nameof(environment)),
        };

        public static Uri AuthorityHost(KvCloudEnvironment environment) => environment switch
        {
            KvCloudEnvironment.AzureCloud => new Uri("https://login.microsoftonline.com/"),
            KvCloudEnvironment.AzureChinaCloud => new Uri("https://login.chinacloudapi.cn/"),
            KvCloudEnvironment.AzureUSGovernment => new Uri("https://login.microsoftonline.us/"),
            _ => throw new ArgumentOutOfRangeException(nameof(environment)),
        };

        public static VaultEndpoint FromName(string vaultName, KvCloudEnvironment environment)
        {
            if (vaultName is null || !VaultNamePattern.IsMatch(vaultName))
            {
                throw new KvCertPendingException(
                    "VaultNameInvalid",
                    ErrorCategory.InvalidArgument,
                    string.Format(CultureInfo.CurrentCulture, Strings.VaultNameInvalid, vaultName),
                    vaultName);
            }

            var uri = new Uri("https://" + vaultName.ToLowerInvariant() + "." + DnsSuffix(environment) + "/");
            return new VaultEndpoint(uri, environment, isAzureHost: true);
        }

        public static VaultEndpoint FromUri(Uri vaultUri)
        {
            if (vaultUri is null || !vaultUri.IsAbsoluteUri || !string.Equals(vaultUri.Scheme, "https", StringComparison.OrdinalIgnoreCase)
                || string.IsNullOrEmpty(vaultUri.Host) || (vaultUri.AbsolutePath.Length > 1 && vaultUri.AbsolutePath != "/"))
            {
                var shown = Redacted(vaultUri);
                throw new KvCertPendingException(
                    "VaultUriInvalid",
                    ErrorCategory.InvalidArgument,
                    string.Format(CultureInfo.CurrentCulture, Strings.VaultUriInvalid, shown),
                    shown == vaultUri?.OriginalString ? vaultUri : shown);
            }

            var normalized = new UriBuilder(vaultUri.Scheme, vaultUri.Host, vaultUri.Port, "/").Uri;
            foreach (KvCloudEnvironment environment in Enum.GetValues(typeof(KvCloudEnvironment)))
            {
                // A fully qualified name's trailing dot ("kv.vault.azure.net.") names the same host.
                if (normalized.Host.TrimEnd('.').EndsWith("." + DnsSuffix(environment), StringComparison.OrdinalIgnoreCase))
                {
                    return new VaultEndpoint(normalized, environment, isAzureHost: true);
                }
            }

            return new VaultEndpoint(normalized, KvCloudEnvironment.AzureCloud, isAzureHost: false);
        }

        /// <summary>The URI as an error may show it: without user information (user:password@), which is never echoed.</summary>
        private static string? Redacted(Uri? uri)
        {
            if (uri is null || !uri.IsAbsoluteUri || string.IsNullOrEmpty(uri.UserInfo))
            {
                return uri?.OriginalString;
            }

            return uri.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped);
        }
    }
}
