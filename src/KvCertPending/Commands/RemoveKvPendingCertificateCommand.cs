using System.Management.Automation;
using KvCertPending.Completion;
using KvCertPending.Model;
using KvCertPending.Resources;

namespace KvCertPending.Commands
{
    /// <summary>
    /// Remove-KvPendingCertificate: deletes the pending object (the request at the provider is not necessarily
    /// cancelled). High impact: asks first unless -Force or -Confirm:$false. -PassThru emits the removed object.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "KvPendingCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByVaultUriSet)]
    [OutputType(typeof(KvPendingCertificate))]
    public sealed class RemoveKvPendingCertificateCommand : KvCmdlet
    {
        /// <summary>The certificate name.</summary>
        // Not mandatory in the VaultName set: a second set with a mandatory pipeline parameter makes PowerShell
        // fail to bind piped {VaultUri, Name} objects to the default VaultUri set. A missing name is refused at run time.
        [Parameter(Position = 1, ParameterSetName = ByVaultNameSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByVaultUriSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(CertificateNameCompleter))]
        public string Name { get; set; } = string.Empty;

        /// <summary>The pending object to remove.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByInputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public KvPendingCertificate? InputObject { get; set; }

        /// <summary>Does not ask for confirmation.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Emits the removed pending object.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord() => ForItem(() =>
        {
            var name = InputObject?.Name ?? Name;
            CheckName(name);
            var session = Session(InputObject);
            if (!ShouldChange(Describe(name, session), Strings.ActionRemove, Force.IsPresent))
            {
                return;
            }

            var removed = Run((_, token) => session.DeleteAsync(name, token));
            if (PassThru.IsPresent)
            {
                WriteObject(removed);
            }
        });
    }
}
