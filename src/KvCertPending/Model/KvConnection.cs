using System;

namespace KvCertPending.Model
{
    /// <summary>The session's defaults set by Connect-KvVault: which vault and how to sign in. Never holds a secret.</summary>
    public sealed class KvConnection
    {
        internal KvConnection(Uri? vaultUri, string? vaultName, KvCloudEnvironment environment, string signIn, string? clientId, string? tenantId, DateTimeOffset connectedAt, string? account = null)
        {
            Account = account;
            VaultUri = vaultUri;
            VaultName = vaultName;
            Environment = environment;
            SignIn = signIn;
            ClientId = clientId;
            TenantId = tenantId;
            ConnectedAt = connectedAt;
        }

        /// <summary>The default vault's URI (null: every cmdlet names its vault).</summary>
        public Uri? VaultUri { get; }

        /// <summary>The default vault's short name.</summary>
        public string? VaultName { get; }

        /// <summary>The cloud.</summary>
        public KvCloudEnvironment Environment { get; }

        /// <summary>How cmdlets sign in: AccessToken, AzContext, ManagedIdentity, ServicePrincipalSecret, ServicePrincipalCertificate, DeviceCode, Interactive or DefaultChain.</summary>
        public string SignIn { get; }

        /// <summary>The client (application) id, for a user-assigned identity, a service principal or a user sign-in's application.</summary>
        public string? ClientId { get; }

        /// <summary>The tenant, for a service principal or a user sign-in.</summary>
        public string? TenantId { get; }

        /// <summary>The user signed in (DeviceCode, Interactive), e.g. admin@contoso.com; null for the other ways.</summary>
        public string? Account { get; }

        /// <summary>When Connect-KvVault ran.</summary>
        public DateTimeOffset ConnectedAt { get; }
    }
}
