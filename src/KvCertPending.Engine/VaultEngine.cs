using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using Azure.Identity;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.Model;

namespace KvCertPending.Engine
{
    /// <summary>The engine's entry point: created by <c>EngineLoader</c> (by name, through reflection) in the module's load context.</summary>
    internal sealed class VaultEngine : IVaultEngine
    {
        private static readonly string[] VaultScope = { "https://vault.azure.net/.default" };

        public ICredentialChoice FromAccessToken(SecureString token) => CredentialChoice.FromAccessToken(token);

        public ICredentialChoice ManagedIdentity(string? clientId, TrustedCertificate? trust) => CredentialChoice.ManagedIdentity(clientId, trust);

        public ICredentialChoice ServicePrincipalSecret(string tenantId, string clientId, SecureString secret, VaultEndpoint endpoint, TrustedCertificate? trust) =>
            CredentialChoice.ServicePrincipalSecret(tenantId, clientId, secret, endpoint, trust);

        public ICredentialChoice ServicePrincipalCertificate(string tenantId, string clientId, X509Certificate2 certificate, VaultEndpoint endpoint, TrustedCertificate? trust) =>
            CredentialChoice.ServicePrincipalCertificate(tenantId, clientId, certificate, endpoint, trust);

        public ICredentialChoice DefaultChain(KvCloudEnvironment environment) => CredentialChoice.Default(environment);

        public ICredentialChoice DeviceCode(string? tenantId, string? clientId, VaultEndpoint endpoint, TrustedCertificate? trust, SignInPrompt prompt) =>
            CredentialChoice.DeviceCode(tenantId, clientId, endpoint, trust, prompt);

        public ICredentialChoice InteractiveBrowser(string? tenantId, string? clientId, VaultEndpoint endpoint, TrustedCertificate? trust) =>
            CredentialChoice.InteractiveBrowser(tenantId, clientId, endpoint, trust);

        // As the Key Vault client asks (CAE on): a user credential keeps CAE and non-CAE tokens apart, so asking otherwise would
        // prompt the user (device code, browser) a second time on the first certificate command.
        public async Task SignInAsync(ICredentialChoice credential, VaultEndpoint errorEndpoint, CancellationToken cancellationToken)
        {
            try
            {
                await ((CredentialChoice)credential).SignInAsync(new TokenRequestContext(VaultScope, isCaeEnabled: true), cancellationToken).ConfigureAwait(false);
            }
            catch (AuthenticationFailedException ex)
            {
                throw ServiceErrors.Map(ex, VaultOperation.List, null, errorEndpoint);
            }
        }

        public IVaultSession Open(VaultEndpoint endpoint, ICredentialChoice credential, TrustedCertificate? trust, RetrySettings? retry = null) =>
            new VaultSession(endpoint, VaultClientFactory.Get(endpoint, (CredentialChoice)credential, trust, retry ?? RetrySettings.Default), retry ?? RetrySettings.Default);

        public IPolicyRequest BuildPolicy(PolicyParameters parameters, string certificateName) => new PolicyRequest(PolicyBuilder.Build(parameters, certificateName));

        public IPolicyRequest PolicyFromObject(object value, string certificateName) => new PolicyRequest(PolicyReader.FromObject(value, certificateName));

        public IPolicyRequest PolicyFromJson(string json, string certificateName) => new PolicyRequest(PolicyReader.FromJson(json, certificateName));
    }

    /// <summary>The SDK's policy behind the cmdlets' opaque handle.</summary>
    internal sealed class PolicyRequest : IPolicyRequest
    {
        public PolicyRequest(CertificatePolicy policy) => Policy = policy;

        public CertificatePolicy Policy { get; }

        public string? IssuerName => Policy.IssuerName;
    }
}
