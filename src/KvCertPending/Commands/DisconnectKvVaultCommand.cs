using System.Management.Automation;
using KvCertPending.Engine;

namespace KvCertPending.Commands
{
    /// <summary>Disconnect-KvVault: forgets the session's defaults set by Connect-KvVault (vault and sign-in).</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "KvVault")]
    [OutputType(typeof(void))]
    public sealed class DisconnectKvVaultCommand : PSCmdlet
    {
        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (!SessionDefaults.Clear())
            {
                WriteVerbose("Not connected: nothing to forget.");
            }
        }
    }
}
