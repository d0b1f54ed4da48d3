using System;
using System.Collections.Concurrent;
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
    internal sealed class CredentialChoice
    {
        private static readonly ConcurrentDictionary<KvCloudEnvironment, TokenCredential> DefaultChains = new();

        private CredentialChoice(TokenCredential credential, string key)
        {
            Credential = credential;
            Key = key;
        }

        public TokenCredential Credential { get; }

        public string Key { get; }

        /// <summary>A token the user already holds (-AccessToken).</summary>
        public static CredentialChoice FromAccessToken(SecureString token)
        {
            var plain = Unprotect(token);
            using var sha = SHA256.Create();
            var key = "token:" + Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(plain)));
            return new CredentialChoice(new StaticTokenCredential(token.Copy()), key);
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
