using System;
using System.Globalization;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using KvCertPending.Engine;
using KvCertPending.Model;
using KvCertPending.Resources;

namespace KvCertPending.Commands
{
    /// <summary>
    /// Connect-KvVault: sets the session's defaults (the vault, and how to sign in) so later cmdlets need neither
    /// -VaultName/-VaultUri nor -AccessToken. Explicit parameters always win. A token is fetched once here, so a wrong
    /// secret or identity fails now rather than on the first certificate command; it is never written anywhere.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "KvVault", DefaultParameterSetName = ByVaultSet)]
    [OutputType(typeof(KvConnection))]
    public sealed class ConnectKvVaultCommand : KvCmdlet
    {
        /// <summary>Signs in with a managed identity (system-assigned, or user-assigned with -ClientId).</summary>
        [Parameter]
        public SwitchParameter Identity { get; set; }

        /// <summary>Signs in as a service principal (-TenantId, and -Credential or -CertificateThumbprint/-CertificatePath).</summary>
        [Parameter]
        public SwitchParameter ServicePrincipal { get; set; }

        /// <summary>Uses the Az.Accounts sign-in of this session (Get-AzAccessToken for Key Vault, taken once, here).</summary>
        [Parameter]
        public SwitchParameter AzContext { get; set; }

        /// <summary>Signs a user in with a device code: the message with the page and the code is written as a warning (Az.Accounts' name).</summary>
        [Parameter]
        public SwitchParameter UseDeviceAuthentication { get; set; }

        /// <summary>Signs a user in in the system web browser, which redirects back to a listener on http://localhost.</summary>
        [Parameter]
        public SwitchParameter Interactive { get; set; }

        /// <summary>The client (application) id: of a user-assigned managed identity, or the public client a user signs in through.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ClientId { get; set; }

        /// <summary>The service principal's tenant, or the tenant a user signs in to (default: the user's home, then the vault's).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? TenantId { get; set; }

        /// <summary>The service principal: user name = client id, password = client secret.</summary>
        [Parameter]
        [ValidateNotNull]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>The service principal's certificate, by thumbprint in the CurrentUser\My store.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CertificateThumbprint { get; set; }

        /// <summary>The service principal's certificate, as a PFX file (use -CertificatePassword) or a PEM with its key.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CertificatePath { get; set; }

        /// <summary>The PFX password for -CertificatePath.</summary>
        [Parameter]
        [ValidateNotNull]
        public System.Security.SecureString? CertificatePassword { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord() => ForItem(() =>
        {
            var endpoint = GivenEndpoint();
            var environment = endpoint?.Environment ?? Environment;
            var trust = ResolveTrust();
            var prompt = new SignInPrompt();
            var (credential, signIn) = ChooseCredential(endpoint, environment, trust, prompt);
            if (Interactive.IsPresent)
            {
                WriteWarning(Strings.InteractiveSignInStarting);
            }

            var errorEndpoint = endpoint ?? VaultEndpoint.FromUri(new Uri("https://" + VaultEndpoint.DnsSuffix(environment) + "/"));
            Run(async (queue, token) =>
            {
                using (prompt.Attach(queue))
                {
                    await EngineLoader.Engine.SignInAsync(credential, errorEndpoint, token).ConfigureAwait(false);
                }

                return true;
            });

            var info = new KvConnection(endpoint?.VaultUri, endpoint?.VaultName, environment, signIn,
                ServicePrincipal.IsPresent ? (Credential?.UserName ?? ClientId) : ClientId, TenantId, DateTimeOffset.UtcNow, credential.Account);
            SessionDefaults.Set(new SessionDefaults.Entry(info, endpoint, credential));
            WriteObject(info);
        });

        private (ICredentialChoice Credential, string SignIn) ChooseCredential(VaultEndpoint? endpoint, KvCloudEnvironment environment, TrustedCertificate? trust, SignInPrompt prompt)
        {
            var engine = EngineLoader.Engine;
            var ways = (Identity.IsPresent ? 1 : 0) + (ServicePrincipal.IsPresent ? 1 : 0) + (AzContext.IsPresent ? 1 : 0) + (AccessToken is not null ? 1 : 0)
                + (UseDeviceAuthentication.IsPresent ? 1 : 0) + (Interactive.IsPresent ? 1 : 0);
            if (ways > 1)
            {
                throw Conflict(Strings.SignInConflict);
            }

            var authorityEndpoint = endpoint ?? VaultEndpoint.FromUri(new Uri("https://" + VaultEndpoint.DnsSuffix(environment) + "/"));
            if (UseDeviceAuthentication.IsPresent)
            {
                return (engine.DeviceCode(TenantId, ClientId, authorityEndpoint, trust, prompt), "DeviceCode");
            }

            if (Interactive.IsPresent)
            {
                return (engine.InteractiveBrowser(TenantId, ClientId, authorityEndpoint, trust), "Interactive");
            }

            if (AccessToken is not null)
            {
                return (engine.FromAccessToken(AccessToken), "AccessToken");
            }

            if (AzContext.IsPresent)
            {
                return (engine.FromAccessToken(AzAccessToken()), "AzContext");
            }

            if (Identity.IsPresent)
            {
                return (engine.ManagedIdentity(ClientId, trust), "ManagedIdentity");
            }

            if (!ServicePrincipal.IsPresent)
            {
                return (engine.DefaultChain(environment), "DefaultChain");
            }

            if (TenantId is null)
            {
                throw Conflict(Strings.ServicePrincipalNeedsTenant);
            }

            if (Credential is not null && CertificateThumbprint is null && CertificatePath is null)
            {
                return (engine.ServicePrincipalSecret(TenantId, Credential.UserName, Credential.Password, authorityEndpoint, trust), "ServicePrincipalSecret");
            }

            var clientId = Credential?.UserName ?? ClientId ?? throw Conflict(Strings.ServicePrincipalNeedsClientId);
            if ((CertificateThumbprint is null) == (CertificatePath is null))
            {
                throw Conflict(Strings.ServicePrincipalNeedsOneSecret);
            }

            var certificate = CertificateThumbprint is not null ? FromStore(CertificateThumbprint) : FromFile(CertificatePath!);
            return (engine.ServicePrincipalCertificate(TenantId, clientId, certificate, authorityEndpoint, trust), "ServicePrincipalCertificate");
        }

        /// <summary>
        /// Az.Accounts' token for Key Vault, through its own Get-AzAccessToken (run in this session, so its context, tenant
        /// and cloud apply). It is taken once: when it expires, run Connect-KvVault -AzContext again.
        /// </summary>
        private System.Security.SecureString AzAccessToken()
        {
            if (InvokeCommand.GetCommand("Get-AzAccessToken", CommandTypes.Cmdlet | CommandTypes.Function | CommandTypes.Alias) is null)
            {
                throw new KvCertPendingException("AzContextUnavailable", ErrorCategory.ObjectNotFound, Strings.AzContextUnavailable, null);
            }

            System.Collections.ObjectModel.Collection<PSObject> results;
            try
            {
                results = InvokeCommand.InvokeScript("Get-AzAccessToken -ResourceUrl 'https://vault.azure.net' -AsSecureString -ErrorAction Stop");
            }
            catch (RuntimeException ex)
            {
                throw new KvCertPendingException("AzContextUnavailable", ErrorCategory.AuthenticationError,
                    string.Format(CultureInfo.CurrentCulture, Strings.AzContextNoToken, ex.Message), null, ex);
            }

            var token = results.Count == 1 ? results[0].Properties["Token"]?.Value : null;
            return (token is PSObject wrapped ? wrapped.BaseObject : token) as System.Security.SecureString
                ?? throw new KvCertPendingException("AzContextUnavailable", ErrorCategory.AuthenticationError,
                    string.Format(CultureInfo.CurrentCulture, Strings.AzContextNoToken, "no SecureString Token"), null);
        }

        private static X509Certificate2 FromStore(string thumbprint)
        {
            using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
            store.Open(OpenFlags.ReadOnly);
            var found = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint.Replace(" ", string.Empty), validOnly: false);
            if (found.Count == 0 || !found[0].HasPrivateKey)
            {
                throw new KvCertPendingException("SignInCertificateNotFound", ErrorCategory.ObjectNotFound,
                    string.Format(CultureInfo.CurrentCulture, Strings.SignInCertificateNotFound, thumbprint), thumbprint);
            }

            return found[0];
        }

        private X509Certificate2 FromFile(string path)
        {
            var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            try
            {
                return CertificatePassword is null
                    ? new X509Certificate2(resolved)
                    : new X509Certificate2(resolved, CertificatePassword);
            }
            catch (Exception ex) when (ex is CryptographicException or System.IO.IOException or UnauthorizedAccessException)
            {
                throw new KvCertPendingException("SignInCertificateNotFound", ErrorCategory.ReadError,
                    string.Format(CultureInfo.CurrentCulture, Strings.SignInCertificateUnreadable, resolved, ex.Message), resolved, ex);
            }
        }

        private static KvCertPendingException Conflict(string message) =>
            new("SignInParametersInvalid", ErrorCategory.InvalidArgument, message, null);
    }
}
