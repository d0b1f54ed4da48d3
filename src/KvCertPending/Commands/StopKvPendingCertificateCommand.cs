using System.Globalization;
using System.Management.Automation;
using KvCertPending.Completion;
using KvCertPending.Model;
using KvCertPending.Resources;

namespace KvCertPending.Commands
{
    /// <summary>
    /// Stop-KvPendingCertificate: asks the issuer to cancel an in-progress request and emits the new state
    /// (CancellationRequested true; with -Wait, the final state the issuer leaves it in).
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "KvPendingCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByVaultUriSet)]
    [OutputType(typeof(KvPendingCertificate))]
    public sealed class StopKvPendingCertificateCommand : KvWaitingCmdlet
    {
        /// <summary>The certificate name.</summary>
        // Not mandatory in the VaultName set: a second set with a mandatory pipeline parameter makes PowerShell
        // fail to bind piped {VaultUri, Name} objects to the default VaultUri set. A missing name is refused at run time.
        [Parameter(Position = 1, ParameterSetName = ByVaultNameSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByVaultUriSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(CertificateNameCompleter))]
        public string Name { get; set; } = string.Empty;

        /// <summary>The pending object to cancel.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByInputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public KvPendingCertificate? InputObject { get; set; }

        /// <summary>Does not ask for confirmation.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord() => ForItem(() =>
        {
            var name = InputObject?.Name ?? Name;
            CheckName(name);
            var session = Session(InputObject);
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
