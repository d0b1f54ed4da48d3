using System.Globalization;
using System.Management.Automation;
using KvCertPending.Model;
using KvCertPending.Resources;

namespace KvCertPending.Commands
{
    /// <summary>
    /// Stop-KvPendingCertificate: asks the issuer to cancel an in-progress request and emits the new state
    /// (CancellationRequested true; with -Wait, the final state the issuer leaves it in).
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "KvPendingCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByVaultSet)]
    [OutputType(typeof(KvPendingCertificate))]
    public sealed class StopKvPendingCertificateCommand : KvWaitingItemCmdlet
    {
        /// <summary>Does not ask for confirmation.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord() => ForItem(() =>
        {
            var name = CheckedItemName();
            var session = ItemSession();
            if (!ShouldChange(Describe(name, session), Strings.ActionCancel, Force.IsPresent))
            {
                return;
            }

            var state = Run((_, token) => session.CancelAsync(name, token));
            WriteVerbose(string.Format(CultureInfo.CurrentCulture, Strings.CancelRequested, name, state.Status));
            EmitOrWait(session, state, null);
        });
    }
}
