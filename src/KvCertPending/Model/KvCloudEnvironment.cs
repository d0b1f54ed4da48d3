namespace KvCertPending.Model
{
    /// <summary>The Azure clouds a -VaultName can live in.</summary>
    public enum KvCloudEnvironment
    {
        /// <summary>Public Azure: *.vault.azure.net.</summary>
        AzureCloud,

        /// <summary>Azure operated by 21Vianet: *.vault.azure.cn.</summary>
        AzureChinaCloud,

        /// <summary>Azure Government: *.vault.usgovcloudapi.net.</summary>
        AzureUSGovernment,
    }
}
