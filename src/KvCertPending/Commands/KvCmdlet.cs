using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using KvCertPending.Engine;
using KvCertPending.Model;
using KvCertPending.Resources;

namespace KvCertPending.Commands
{
    /// <summary>
    /// What every cmdlet shares: the connection parameters (-VaultName/-Environment or -VaultUri, -AccessToken), the
    /// cancellation token that Ctrl+C (StopProcessing) cancels, and the one way to run engine work: on the pipeline
    /// thread, draining what workers queued (progress, verbose) while the work runs.
    /// </summary>
    public abstract class KvCmdlet : PSCmdlet, IDisposable
    {
        /// <summary>
        /// Parameter set: the vault by -VaultUri, by -VaultName (public cloud unless -Environment), or neither (the vault
        /// of Connect-KvVault). One set, so that plain objects ({VaultName, Name} rows of a CSV file as well as
        /// {VaultUri, Name}) bind by property name: with a set per parameter PowerShell binds piped objects to the
        /// default set only and drops the other one's property. Which one wins when both are bound: SettleVaultParameters.
        /// </summary>
        protected const string ByVaultSet = "Vault";

        /// <summary>Parameter set: a KvPendingCertificate from the pipeline.</summary>
        protected const string ByInputObjectSet = "InputObject";

        private readonly CancellationTokenSource _cancel = new();
        private readonly Dictionary<string, IVaultSession> _sessions = new(StringComparer.OrdinalIgnoreCase);
        private ICredentialChoice? _accessTokenCredential;
        private PendingWaiter? _waiter;

        /// <summary>The vault's name, e.g. contoso-kv (https://contoso-kv.vault.azure.net/).</summary>
        [Parameter(Position = 0, ParameterSetName = ByVaultSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("Vault")]
        public string VaultName { get; set; } = string.Empty;

        /// <summary>The cloud that -VaultName is in.</summary>
        [Parameter(ParameterSetName = ByVaultSet)]
        public KvCloudEnvironment Environment { get; set; } = KvCloudEnvironment.AzureCloud;

        /// <summary>The vault's URI, e.g. https://contoso-kv.vault.azure.net/ or https://localhost:8443/.</summary>
        /// <remarks>Optional: without -VaultUri and -VaultName the vault of Connect-KvVault is used (else the error VaultNotSpecified).</remarks>
        [Parameter(ParameterSetName = ByVaultSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        public Uri? VaultUri { get; set; }

        /// <summary>A bearer token for Key Vault that the caller already holds; by default the Azure.Identity chain is used.</summary>
        [Parameter]
        [ValidateNotNull]
        public SecureString? AccessToken { get; set; }

        /// <summary>Cancelled by Ctrl+C (StopProcessing).</summary>
        internal CancellationToken CancelToken => _cancel.Token;

        /// <inheritdoc />
        protected override void StopProcessing() => _cancel.Cancel();

        /// <summary>PowerShell disposes the cmdlet when the pipeline is done with it.</summary>
        public void Dispose()
        {
            _cancel.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <inheritdoc />
        protected override void BeginProcessing() => SettleVaultParameters();

        /// <summary>
        /// Before any pipeline input, -VaultName and -VaultUri can both be bound only when one or both came from
        /// $PSDefaultParameterValues (PowerShell binds a default as if it were typed) or both were typed. The one the
        /// user gave wins over a default; both typed is an error; both defaults leave -VaultUri in use. Piped objects
        /// bind later, per record: there -VaultUri wins.
        /// </summary>
        private protected void SettleVaultParameters()
        {
            var bound = MyInvocation.BoundParameters;
            if (!bound.ContainsKey(nameof(VaultName)) || !bound.ContainsKey(nameof(VaultUri)))
            {
                return;
            }

            var defaults = GetVariableValue("PSDefaultParameterValues");
            var command = MyInvocation.MyCommand.Name;
            var uriIsDefault = DefaultParameterValues.For(defaults, command, nameof(VaultUri))
                .Any(value => value is ScriptBlock || (LanguagePrimitives.TryConvertTo<Uri>(value, out var uri) && uri == VaultUri));
            var nameIsDefault = DefaultParameterValues.For(defaults, command, nameof(VaultName), "Vault")
                .Any(value => value is ScriptBlock || string.Equals(value?.ToString(), VaultName, StringComparison.OrdinalIgnoreCase));
            if (uriIsDefault && !nameIsDefault)
            {
                VaultUri = null;
            }
            else if (nameIsDefault && !uriIsDefault)
            {
                VaultName = string.Empty;
            }
            else if (!uriIsDefault && !nameIsDefault)
            {
                ThrowTerminatingError(new KvCertPendingException(
                    "VaultNameAndUriConflict", ErrorCategory.InvalidArgument, Strings.VaultNameAndUriConflict, VaultUri).ToErrorRecord());
            }
        }

        /// <summary>The vault -VaultUri or -VaultName names (-VaultUri wins), or null when neither is given.</summary>
        internal VaultEndpoint? GivenEndpoint() =>
            VaultUri is not null ? VaultEndpoint.FromUri(VaultUri)
            : VaultName.Length > 0 ? VaultEndpoint.FromName(VaultName, Environment)
            : null;

        /// <summary>The session for the vault this record names: -VaultUri, -VaultName, the piped object's VaultUri, or Connect-KvVault's.</summary>
        internal IVaultSession Session(KvPendingCertificate? inputObject = null)
        {
            var defaults = SessionDefaults.Current;
            VaultEndpoint endpoint = ParameterSetName switch
            {
                ByVaultSet => GivenEndpoint() ?? defaults?.Endpoint ?? throw new KvCertPendingException(
                    "VaultNotSpecified", ErrorCategory.InvalidArgument, Strings.VaultNotSpecified, null),
                ByInputObjectSet => VaultEndpoint.FromUri((inputObject ?? throw new PSArgumentNullException("InputObject")).VaultUri),
                _ => throw new PSInvalidOperationException("Unknown parameter set " + ParameterSetName),
            };

            if (_sessions.TryGetValue(endpoint.Key, out var session))
            {
                return session;
            }

            // Explicit -AccessToken wins, then Connect-KvVault's sign-in, then the standard chain.
            var engine = EngineLoader.Engine;
            var credential = AccessToken is not null
                ? _accessTokenCredential ??= engine.FromAccessToken(AccessToken)
                : defaults?.Credential ?? engine.DefaultChain(endpoint.Environment);
            session = engine.Open(endpoint, credential, ResolveTrust(), RetrySettings.Resolve(
                GetVariableValue(RetrySettings.RequestTimeoutVariable), GetVariableValue(RetrySettings.OperationTimeoutVariable)));
            _sessions[endpoint.Key] = session;
            return session;
        }

        /// <summary>The local-vault trust setting of the caller's session ($KvCertPendingTrustedCertificate, else the environment).</summary>
        internal TrustedCertificate? ResolveTrust() =>
            TrustCache.Resolve(
                GetVariableValue(TrustedCertificate.VariableName),
                path => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));

        /// <summary>
        /// Runs engine work to completion on the pipeline thread. Work runs on the thread pool and posts what it wants
        /// written; this thread writes it. Ctrl+C cancels the work and stops the pipeline.
        /// </summary>
        internal T Run<T>(Func<PipelineQueue, CancellationToken, Task<T>> work)
        {
            var queue = new PipelineQueue();

            // Without a synchronization context (PowerShell's pipeline thread has none) the work starts right here and
            // continues on the thread pool at its first await (the engine never resumes on the caller's context): one
            // thread hop less per call than Task.Run. Under a context, Task.Run keeps a blocked context from deadlocking.
            var task = SynchronizationContext.Current is null ? Start(work, queue) : Task.Run(() => work(queue, CancelToken));
            _ = task.ContinueWith(_ => queue.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            foreach (var action in queue.Drain())
            {
                action(this);
            }

            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        private Task<T> Start<T>(Func<PipelineQueue, CancellationToken, Task<T>> work, PipelineQueue queue)
        {
            try
            {
                return work(queue, CancelToken);
            }
            catch (Exception ex)
            {
                // As Task.Run would: a synchronous throw surfaces from the task, after the queue is drained.
                return Task.FromException<T>(ex);
            }
        }

        /// <summary>
        /// Emits <paramref name="state"/>, or with -Wait the final state it reaches (<see cref="PendingWaiter"/>); only for
        /// the cmdlets that declare -Wait and -Timeout (<see cref="IWaitingCmdlet"/>).
        /// </summary>
        internal void EmitOrWait(IVaultSession session, KvPendingCertificate state, TimeSpan? retryAfter) =>
            (_waiter ??= new PendingWaiter(this, (IWaitingCmdlet)this)).EmitOrWait(session, state, retryAfter);

        /// <summary>One item failed: write its error and go on with the next.</summary>
        internal void WriteKvError(KvCertPendingException error) => WriteError(error.ToErrorRecord());

        /// <summary>Runs one item's work; a failure of that item becomes a non-terminating error.</summary>
        internal void ForItem(Action action)
        {
            try
            {
                action();
            }
            catch (KvCertPendingException error)
            {
                WriteKvError(error);
            }
        }

        /// <summary>ShouldProcess, where -Force skips the confirmation prompt but -WhatIf still only tells.</summary>
        internal bool ShouldChange(string target, string action, bool force)
        {
            if (force && !MyInvocation.BoundParameters.ContainsKey("Confirm"))
            {
                var whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var value) && value is SwitchParameter { IsPresent: true };
                var whatIfPreference = GetVariableValue("WhatIfPreference") is { } preference && LanguagePrimitives.IsTrue(preference);
                if (!whatIf && !whatIfPreference)
                {
                    // What ShouldProcess would have said under -Verbose: scripts use -Force, and they log -Verbose.
                    WriteVerbose(string.Format(System.Globalization.CultureInfo.CurrentCulture, Strings.PerformingOperation, action, target));
                    return true;
                }
            }

            return ShouldProcess(target, action);
        }

        /// <summary>-Tag as the SDK wants it: string keys and values.</summary>
        internal static IDictionary<string, string>? ToTags(System.Collections.Hashtable? tags) =>
            tags?.Cast<System.Collections.DictionaryEntry>().ToDictionary(
                e => System.Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
                e => System.Convert.ToString(e.Value is PSObject ps ? ps.BaseObject : e.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);

        /// <summary>"name in vault" for ShouldProcess targets.</summary>
        internal static string Describe(string name, IVaultSession session) =>
            string.Format(System.Globalization.CultureInfo.CurrentCulture, Strings.TargetDescription, name, session.Endpoint.VaultUri);

        /// <summary>Refuses a certificate name the service would refuse, before anything is sent.</summary>
        internal static void CheckName(string name)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new KvCertPendingException("CertificateNameMissing", ErrorCategory.InvalidArgument, Strings.CertificateNameMissing, null);
            }

            if (!CertificateNames.IsValid(name))
            {
                throw new KvCertPendingException(
                    "CertificateNameInvalid", ErrorCategory.InvalidArgument,
                    string.Format(System.Globalization.CultureInfo.CurrentCulture, Strings.CertificateNameInvalid, name), name);
            }
        }
    }

    /// <summary>
    /// Actions posted by workers, written by the pipeline thread. A lock and Monitor.Wait rather than a BlockingCollection:
    /// completing a BlockingCollection wakes its consumer through a cancelled token and a caught exception, once per call.
    /// </summary>
    internal sealed class PipelineQueue
    {
        private readonly Queue<Action<KvCmdlet>> _actions = new();
        private bool _completed;

        public void Post(Action<KvCmdlet> action)
        {
            lock (_actions)
            {
                if (_completed)
                {
                    // The work is over, nothing more to write.
                    return;
                }

                _actions.Enqueue(action);
                Monitor.Pulse(_actions);
            }
        }

        public void Complete()
        {
            lock (_actions)
            {
                _completed = true;
                Monitor.Pulse(_actions);
            }
        }

        /// <summary>Every posted action, in order, until <see cref="Complete"/>; blocks while there is none.</summary>
        public IEnumerable<Action<KvCmdlet>> Drain()
        {
            while (true)
            {
                Action<KvCmdlet> next;
                lock (_actions)
                {
                    while (_actions.Count == 0 && !_completed)
                    {
                        Monitor.Wait(_actions);
                    }

                    if (_actions.Count == 0)
                    {
                        yield break;
                    }

                    next = _actions.Dequeue();
                }

                yield return next;
            }
        }
    }
}
