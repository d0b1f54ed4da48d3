using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using Azure.Identity;
using KvCertPending.Model;

namespace KvCertPending.Engine
{
    /// <summary>The credential a client uses, and a key that tells two credentials apart without holding the secret.</summary>
    internal sealed class CredentialChoice : ICredentialChoice
    {
        private static readonly ConcurrentDictionary<KvCloudEnvironment, TokenCredential> DefaultChains = new();
        private static readonly ConditionalWeakTable<SecureString, CredentialChoice> TokenCredentials = new();

        private CredentialChoice(TokenCredential credential, string key)
        {
            Credential = credential;
            Key = key;
        }

        public TokenCredential Credential { get; }

        public string Key { get; }

        public string? Account { get; private set; }

        /// <summary>Gets one token now (so a wrong sign-in fails at once); for a user, the account signed in is remembered.</summary>
        public async Task SignInAsync(TokenRequestContext context, CancellationToken cancellationToken)
        {
            var record = Credential switch
            {
                DeviceCodeCredential device => await device.AuthenticateAsync(context, cancellationToken).ConfigureAwait(false),
                InteractiveBrowserCredential browser => await browser.AuthenticateAsync(context, cancellationToken).ConfigureAwait(false),
                _ => null,
            };
            if (record is null)
            {
                await Credential.GetTokenAsync(context, cancellationToken).ConfigureAwait(false);
                return;
            }

            Account = record.Username;
        }

        /// <summary>A token the user already holds (-AccessToken).</summary>
        /// <remarks>
        /// A read-only SecureString cannot change, so one instance (the usual <c>$PSDefaultParameterValues</c> entry or
        /// variable, passed to every command) is one credential: it is made once, not unprotected and hashed on every call.
        /// A writable one is read afresh each time. The table holds nothing past the life of the caller's SecureString.
        /// </remarks>
        public static CredentialChoice FromAccessToken(SecureString token) =>
            token.IsReadOnly() ? TokenCredentials.GetValue(token, ForToken) : ForToken(token);

        private static CredentialChoice ForToken(SecureString token)
        {
            var plain = Unprotect(token);
            using var sha = SHA256.Create();
            var key = "token:" + Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(plain)));
            return new CredentialChoice(new StaticTokenCredential(token.Copy()), key);
        }

        /// <summary>A managed identity: system-assigned, or user-assigned by client id.</summary>
        public static CredentialChoice ManagedIdentity(string? clientId, TrustedCertificate? trust)
        {
            var options = new ManagedIdentityCredentialOptions(clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId));
            Trust(options, trust);
            return new CredentialChoice(new ManagedIdentityCredential(options), "mi:" + (clientId ?? "system") + "|" + trust?.Key);
        }

        /// <summary>A service principal with a client secret.</summary>
        public static CredentialChoice ServicePrincipalSecret(string tenantId, string clientId, SecureString secret, VaultEndpoint endpoint, TrustedCertificate? trust)
        {
            var options = new ClientSecretCredentialOptions();
            Authority(options, endpoint, trust);
            using var sha = SHA256.Create();
            var key = "sp:" + tenantId + "|" + clientId + "|" + Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(Unprotect(secret)))) + "|" + trust?.Key;
            return new CredentialChoice(new ClientSecretCredential(tenantId, clientId, Unprotect(secret), options), key);
        }

        /// <summary>A service principal with a certificate (with its private key).</summary>
        public static CredentialChoice ServicePrincipalCertificate(string tenantId, string clientId, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, VaultEndpoint endpoint, TrustedCertificate? trust)
        {
            var options = new ClientCertificateCredentialOptions();
            Authority(options, endpoint, trust);
            return new CredentialChoice(new ClientCertificateCredential(tenantId, clientId, certificate, options), "spc:" + tenantId + "|" + clientId + "|" + certificate.Thumbprint + "|" + trust?.Key);
        }

        /// <summary>
        /// A user with a device code (Az.Accounts' -UseDeviceAuthentication): the credential's message ("To sign in, use a web
        /// browser to open ... and enter the code ...") goes to the waiting cmdlet's pipeline thread. Without a tenant the user's
        /// token may be for the tenant the vault's challenge names. Each sign-in is its own (a new key: no client is shared).
        /// </summary>
        public static CredentialChoice DeviceCode(string? tenantId, string? clientId, VaultEndpoint endpoint, TrustedCertificate? trust, SignInPrompt prompt)
        {
            var options = new DeviceCodeCredentialOptions
            {
                DeviceCodeCallback = (info, _) => prompt.Show(info.Message) ? Task.CompletedTask
                    : throw new InvalidOperationException(KvCertPending.Resources.Strings.DeviceCodeNoPrompt),
            };
            User(options, tenantId, clientId, endpoint, trust);
            return new CredentialChoice(new DeviceCodeCredential(options), "device:" + Guid.NewGuid().ToString("N"));
        }

        /// <summary>A user in the system browser (MSAL opens it and listens on http://localhost:port for the redirect).</summary>
        public static CredentialChoice InteractiveBrowser(string? tenantId, string? clientId, VaultEndpoint endpoint, TrustedCertificate? trust)
        {
            var options = new InteractiveBrowserCredentialOptions();
            User(options, tenantId, clientId, endpoint, trust);
            return new CredentialChoice(new InteractiveBrowserCredential(options), "browser:" + Guid.NewGuid().ToString("N"));
        }

        private static void User(TokenCredentialOptions options, string? tenantId, string? clientId, VaultEndpoint endpoint, TrustedCertificate? trust)
        {
            Authority(options, endpoint, trust);
            switch (options)
            {
                case DeviceCodeCredentialOptions device:
                    device.TenantId = tenantId;
                    device.ClientId = clientId ?? device.ClientId;
                    AllowChallengeTenant(device.AdditionallyAllowedTenants, tenantId);
                    break;
                case InteractiveBrowserCredentialOptions browser:
                    browser.TenantId = tenantId;
                    browser.ClientId = clientId ?? browser.ClientId;
                    AllowChallengeTenant(browser.AdditionallyAllowedTenants, tenantId);
                    break;
            }
        }

        private static void AllowChallengeTenant(System.Collections.Generic.IList<string> allowed, string? tenantId)
        {
            if (tenantId is null)
            {
                allowed.Add("*");
            }
        }

        /// <summary>Azure's sign-in authority; for a vault outside Azure (the local vault) the vault itself is the authority.</summary>
        private static void Authority(TokenCredentialOptions options, VaultEndpoint endpoint, TrustedCertificate? trust)
        {
            options.AuthorityHost = endpoint.IsAzureHost ? VaultEndpoint.AuthorityHost(endpoint.Environment) : endpoint.VaultUri;
            Trust(options, trust);
            switch (options)
            {
                case ClientSecretCredentialOptions secret:
                    secret.DisableInstanceDiscovery = !endpoint.IsAzureHost;
                    break;
                case ClientCertificateCredentialOptions certificate:
                    certificate.DisableInstanceDiscovery = !endpoint.IsAzureHost;
                    break;
                case DeviceCodeCredentialOptions device:
                    device.DisableInstanceDiscovery = !endpoint.IsAzureHost;
                    break;
                case InteractiveBrowserCredentialOptions browser:
                    browser.DisableInstanceDiscovery = !endpoint.IsAzureHost;
                    break;
            }
        }

        private static void Trust(TokenCredentialOptions options, TrustedCertificate? trust)
        {
            if (trust is not null)
            {
                options.Transport = new Azure.Core.Pipeline.HttpClientTransport(trust.CreateHandler());
            }
        }

        /// <summary>The standard chain: environment, workload identity, managed identity, Azure CLI, Azure PowerShell.</summary>
        public static CredentialChoice Default(KvCloudEnvironment environment)
        {
            var chain = DefaultChains.GetOrAdd(environment, static env =>
            {
                var authority = VaultEndpoint.AuthorityHost(env);
                return new ChainedTokenCredential(
                    new EnvironmentCredential(new EnvironmentCredentialOptions { AuthorityHost = authority }),
                    new WorkloadIdentityCredential(new WorkloadIdentityCredentialOptions { AuthorityHost = authority }),
                    new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned),
                    new AzureCliCredential(new AzureCliCredentialOptions { AuthorityHost = authority }),
                    new AzurePowerShellCredential(new AzurePowerShellCredentialOptions { AuthorityHost = authority }));
            });
            return new CredentialChoice(chain, "default:" + environment);
        }

        internal static string Unprotect(SecureString secure)
        {
            var pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
                return Marshal.PtrToStringUni(pointer) ?? string.Empty;
            }
            finally
            {
                if (pointer != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(pointer);
                }
            }
        }

        /// <summary>Hands out the user's token as it is; its expiry is not known, so it is reported an hour ahead.</summary>
        private sealed class StaticTokenCredential : TokenCredential
        {
            private readonly SecureString _token;

            public StaticTokenCredential(SecureString token)
            {
                _token = token;
                _token.MakeReadOnly();
            }

            public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
                new(Unprotect(_token), DateTimeOffset.UtcNow.AddHours(1));

            public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
                new(GetToken(requestContext, cancellationToken));
        }
    }
}
