using System.Management.Automation;
using KvCertPending.Model;
using KvCertPending.Resources;

namespace KvCertPending.Commands
{
    /// <summary>
    /// Remove-KvPendingCertificate: deletes the pending object (the request at the provider is not necessarily
    /// cancelled). High impact: asks first unless -Force or -Confirm:$false. -PassThru emits the removed object.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "KvPendingCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByVaultSet)]
    [OutputType(typeof(KvPendingCertificate))]
    public sealed class RemoveKvPendingCertificateCommand : KvItemCmdlet
    {
        /// <summary>Does not ask for confirmation.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Emits the removed pending object.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord() => ForItem(() =>
        {
            var name = CheckedItemName();
            var session = ItemSession();
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
