using System.Management.Automation;

namespace KvCertPending.Commands
{
    /// <summary>
    /// The cmdlets with their own -Name that can wait for a final state (Get, New): -Wait, -Timeout. Stop declares the
    /// same two parameters through <see cref="KvWaitingItemCmdlet"/> (it needs the item parameters too, and a class has
    /// one base); what waiting does is shared, in <see cref="PendingWaiter"/> via <see cref="KvCmdlet.EmitOrWait"/>.
    /// </summary>
    public abstract class KvWaitingCmdlet : KvCmdlet, IWaitingCmdlet
    {
        /// <summary>Waits until the request is completed, failed or cancelled, and emits that state.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: the longest wait in seconds (default: no limit; Ctrl+C always stops).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Timeout { get; set; }
    }
}
