using System.Collections.Concurrent;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Certificates;

namespace KvCertPending.Engine
{
    /// <summary>
    /// One CertificateClient per vault, credential and trust setting, kept for the life of the module, so a session
    /// reuses its connections and its cached token.
    /// </summary>
    internal static class VaultClientFactory
    {
        private static readonly ConcurrentDictionary<string, CertificateClient> Clients = new();

        public static CertificateClient Get(VaultEndpoint endpoint, CredentialChoice credential, TrustedCertificate? trust)
        {
            var key = endpoint.Key + "|" + credential.Key + "|" + (trust?.Key ?? "-");
            return Clients.GetOrAdd(key, _ => Create(endpoint, credential, trust));
        }

        private static CertificateClient Create(VaultEndpoint endpoint, CredentialChoice credential, TrustedCertificate? trust)
        {
            var options = new CertificateClientOptions
            {
                // The SDK checks that the challenge's resource matches the vault host: only true under Azure's DNS suffixes.
                DisableChallengeResourceVerification = !endpoint.IsAzureHost,
            };
            options.AddPolicy(new KvRequestPolicy(), Azure.Core.HttpPipelinePosition.PerCall);
            if (trust is not null)
            {
                options.Transport = new HttpClientTransport(trust.CreateHandler());
            }

            return new CertificateClient(endpoint.VaultUri, credential.Credential, options);
        }
    }
}
