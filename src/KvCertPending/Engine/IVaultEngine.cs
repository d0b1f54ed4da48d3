using System;
using System.Collections.Generic;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using KvCertPending.Model;

namespace KvCertPending.Engine
{
    /// <summary>
    /// The one door from the cmdlets (KvCertPending.dll, loaded by PowerShell) to the part that uses the Azure SDK
    /// (KvCertPending.Engine.dll in Dependencies/, loaded in the module's own load context on PowerShell 7): no type
    /// of the Azure SDK appears here, so the cmdlet assembly never references one (see <see cref="EngineLoader"/>).
    /// </summary>
    internal interface IVaultEngine
    {
        ICredentialChoice FromAccessToken(SecureString token);

        ICredentialChoice ManagedIdentity(string? clientId, TrustedCertificate? trust);

        ICredentialChoice ServicePrincipalSecret(string tenantId, string clientId, SecureString secret, VaultEndpoint endpoint, TrustedCertificate? trust);

        ICredentialChoice ServicePrincipalCertificate(string tenantId, string clientId, X509Certificate2 certificate, VaultEndpoint endpoint, TrustedCertificate? trust);

        ICredentialChoice DefaultChain(KvCloudEnvironment environment);

        /// <summary>A user signing in on another device with a code (-UseDeviceAuthentication); the message goes through <paramref name="prompt"/>.</summary>
        ICredentialChoice DeviceCode(string? tenantId, string? clientId, VaultEndpoint endpoint, TrustedCertificate? trust, SignInPrompt prompt);

        /// <summary>A user signing in in the system browser (-Interactive), redirected back to a listener on http://localhost.</summary>
        ICredentialChoice InteractiveBrowser(string? tenantId, string? clientId, VaultEndpoint endpoint, TrustedCertificate? trust);

        /// <summary>Fetches one Key Vault token (so a wrong sign-in fails now); a refusal leaves as a KvCertPendingException.</summary>
        Task SignInAsync(ICredentialChoice credential, VaultEndpoint errorEndpoint, CancellationToken cancellationToken);

        /// <summary>A session on one vault; clients are created on first use and reused for the life of the module.</summary>
        /// <param name="retry">Per-try and per-operation timeouts (null: <see cref="RetrySettings.Default"/>).</param>
        IVaultSession Open(VaultEndpoint endpoint, ICredentialChoice credential, TrustedCertificate? trust, RetrySettings? retry = null);

        IPolicyRequest BuildPolicy(PolicyParameters parameters, string certificateName);

        IPolicyRequest PolicyFromObject(object value, string certificateName);

        IPolicyRequest PolicyFromJson(string json, string certificateName);
    }

    /// <summary>A way to sign in, told apart from others by <see cref="Key"/> (which never holds a secret).</summary>
    internal interface ICredentialChoice
    {
        string Key { get; }

        /// <summary>The user signed in (device code, browser), once <see cref="IVaultEngine.SignInAsync"/> has run; null for the other ways.</summary>
        string? Account { get; }
    }

    /// <summary>A certificate policy ready to send.</summary>
    internal interface IPolicyRequest
    {
        string? IssuerName { get; }
    }

    /// <summary>Everything the cmdlets do to one vault. Every vault error leaves as a <see cref="KvCertPendingException"/>.</summary>
    internal interface IVaultSession
    {
        VaultEndpoint Endpoint { get; }

        Task<(KvPendingCertificate State, TimeSpan? RetryAfter)> CreateAsync(
            string name, IPolicyRequest policy, bool? enabled, IDictionary<string, string>? tags, bool? preserveCertificateOrder, CancellationToken cancellationToken);

        Task<(KvPendingCertificate State, TimeSpan? RetryAfter)> GetPendingAsync(string name, string? requestId, CancellationToken cancellationToken);

        Task<IReadOnlyList<string>> ListCertificateNamesAsync(CancellationToken cancellationToken);

        Task<IReadOnlyList<string>> ListIssuerNamesAsync(CancellationToken cancellationToken);

        /// <summary>
        /// The vault-wide scan: the pending object of every listed certificate whose name passes <paramref name="select"/>,
        /// read while the listing is still paged, in name order; <paramref name="listed"/> gets the number of names selected.
        /// A name without a pending object is left out; another failure of one read is kept in its place.
        /// </summary>
        Task<IReadOnlyList<(KvPendingCertificate? State, KvCertPendingException? Error)>> ScanPendingAsync(
            Func<string, bool>? select, string? requestId, Action<int>? listed, CancellationToken cancellationToken);

        Task<KvPendingCertificate> CancelAsync(string name, CancellationToken cancellationToken);

        Task<KvPendingCertificate> DeleteAsync(string name, CancellationToken cancellationToken);

        Task<KvCertificate> MergeAsync(string name, IReadOnlyList<X509Certificate2> chain, bool? enabled, IDictionary<string, string>? tags, CancellationToken cancellationToken);

        Task<WaitResult> WaitAsync(KvPendingCertificate initial, TimeSpan? retryAfter, TimeSpan? timeout, IWaitObserver observer, CancellationToken cancellationToken);
    }
}
