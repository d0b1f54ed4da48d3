using System.Management.Automation;
using KvCertPending.Completion;
using KvCertPending.Engine;
using KvCertPending.Model;

namespace KvCertPending.Commands
{
    /// <summary>
    /// The cmdlets that act on one existing request (Stop, Remove, Merge): -Name in the VaultName and VaultUri sets, or a
    /// piped KvPendingCertificate (-InputObject), which also names the vault.
    /// </summary>
    public abstract class KvItemCmdlet : KvCmdlet
    {
        /// <summary>The certificate name.</summary>
        // Not mandatory: a missing name is the module's error CertificateNameMissing at run time, the same in a console,
        // a runbook (-NonInteractive) and a host that cannot prompt, rather than a prompt or the host's NotSupported.
        [Parameter(Position = 1, ParameterSetName = ByVaultSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(CertificateNameCompleter))]
        public string Name { get; set; } = string.Empty;

        /// <summary>The pending object to act on.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByInputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public KvPendingCertificate? InputObject { get; set; }

        /// <summary>The name this record acts on (the piped object's, else -Name), checked as the service would.</summary>
        internal string CheckedItemName()
        {
            var name = InputObject?.Name ?? Name;
            CheckName(name);
            return name;
        }

        /// <summary>The session for this record's vault.</summary>
        internal IVaultSession ItemSession() => Session(InputObject);
    }

    /// <summary>An item cmdlet that can also wait for the final state (Stop): -Wait, -Timeout.</summary>
    public abstract class KvWaitingItemCmdlet : KvItemCmdlet, IWaitingCmdlet
    {
        /// <summary>Waits until the issuer has acted (cancelled, or completed or failed if it was too late) and emits that state.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: the longest wait in seconds (default: no limit; Ctrl+C always stops).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Timeout { get; set; }
    }
}
