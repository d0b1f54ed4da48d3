using System.Collections.Concurrent;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Certificates;

namespace KvCertPending.Engine
{
    /// <summary>
    /// One CertificateClient per vault, credential, trust and timeout setting, kept for the life of the module, so a
    /// session reuses its connections and its cached token.
    /// </summary>
    /// <remarks>
    /// Retries are the module's <see cref="KvRetryPolicy"/> (see there for what it keeps of the SDK's and what it adds);
    /// the per-try network timeout is also set on the options, for the requests the policy does not see.
    /// </remarks>
    internal static class VaultClientFactory
    {
        private static readonly ConcurrentDictionary<string, CertificateClient> Clients = new();

        public static CertificateClient Get(VaultEndpoint endpoint, CredentialChoice credential, TrustedCertificate? trust, RetrySettings retry)
        {
            var key = endpoint.Key + "|" + credential.Key + "|" + (trust?.Key ?? "-") + "|" + retry.Key;
            return Clients.GetOrAdd(key, _ => Create(endpoint, credential, trust, retry));
        }

        private static CertificateClient Create(VaultEndpoint endpoint, CredentialChoice credential, TrustedCertificate? trust, RetrySettings retry)
        {
            var options = new CertificateClientOptions
            {
                // The SDK checks that the challenge's resource matches the vault host: only true under Azure's DNS suffixes.
                DisableChallengeResourceVerification = !endpoint.IsAzureHost,
            };
            options.Retry.NetworkTimeout = retry.RequestTimeout;
            options.RetryPolicy = new KvRetryPolicy(retry);
            options.AddPolicy(new KvRequestPolicy(), Azure.Core.HttpPipelinePosition.PerCall);
            if (trust is not null)
            {
                options.Transport = new HttpClientTransport(trust.CreateHandler());
            }

            return new CertificateClient(endpoint.VaultUri, credential.Credential, options);
        }
    }
}
