using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using KvCertPending.Completion;
using KvCertPending.Engine;
using KvCertPending.Model;
using KvCertPending.Resources;

namespace KvCertPending.Commands
{
    /// <summary>
    /// Get-KvPendingCertificate: the pending request of one certificate (-Name, wildcards allowed), or of every
    /// certificate in the vault; optionally filtered by -RequestId, written to -CsrPath, or waited for with -Wait.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "KvPendingCertificate", DefaultParameterSetName = ByVaultSet)]
    [OutputType(typeof(KvPendingCertificate))]
    public sealed class GetKvPendingCertificateCommand : KvWaitingCmdlet
    {
        private readonly HashSet<string> _csrPathsWritten = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>The certificate name; wildcards select among the vault's certificates. Omit it for every pending request.</summary>
        [Parameter(Position = 1, ParameterSetName = ByVaultSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(CertificateNameCompleter))]
        public string? Name { get; set; }

        /// <summary>Only the request with this id (the service's filter): another request under the same name is not found.</summary>
        [Parameter(ParameterSetName = ByVaultSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? RequestId { get; set; }

        /// <summary>A pending object to read again (its vault, name and request id).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByInputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public KvPendingCertificate? InputObject { get; set; }

        /// <summary>Writes the CSR as PEM (-----BEGIN CERTIFICATE REQUEST-----) to this file, or to {name}.csr in this folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CsrPath { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord() => ForItem(() =>
        {
            var session = Session(InputObject);
            if (InputObject is not null)
            {
                One(session, InputObject.Name, InputObject.RequestId);
            }
            else if (Name is null)
            {
                Many(session, null);
            }
            else if (WildcardPattern.ContainsWildcardCharacters(Name))
            {
                Many(session, new WildcardPattern(Name, WildcardOptions.IgnoreCase));
            }
            else
            {
                CheckName(Name);
                One(session, Name, RequestId);
            }
        });

        private void One(IVaultSession session, string name, string? requestId)
        {
            var (state, retryAfter) = Run((_, token) => session.GetPendingAsync(name, requestId, token));
            Emit(session, state, retryAfter);
        }

        private void Many(IVaultSession session, WildcardPattern? pattern)
        {
            var results = Run((queue, token) => session.ScanPendingAsync(
                pattern is null ? null : pattern.IsMatch,
                RequestId,
                count => queue.Post(cmdlet => cmdlet.WriteVerbose(string.Format(CultureInfo.CurrentCulture, Strings.ListingVerbose, count, session.Endpoint.VaultUri))),
                token));

            foreach (var (state, error) in results)
            {
                if (error is not null)
                {
                    WriteKvError(error);
                }
                else if (state is not null)
                {
                    ForItem(() => Emit(session, state, null));
                }
            }
        }

        private void Emit(IVaultSession session, KvPendingCertificate state, TimeSpan? retryAfter)
        {
            if (CsrPath is not null)
            {
                WriteCsr(state);
            }

            EmitOrWait(session, state, retryAfter);
        }

        private void WriteCsr(KvPendingCertificate state)
        {
            var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(CsrPath);
            if (Directory.Exists(path))
            {
                path = Path.Combine(path, state.Name + ".csr");
            }

            if (!_csrPathsWritten.Add(path))
            {
                throw new KvCertPendingException(
                    "CsrPathAmbiguous", ErrorCategory.InvalidArgument,
                    string.Format(CultureInfo.CurrentCulture, Strings.CsrPathAmbiguous, path, state.Name), state.Name,
                    recommendedAction: Strings.CsrPathAmbiguousAction);
            }

            if (state.CsrPem is not { } pem)
            {
                throw new KvCertPendingException(
                    "PendingCertificateHasNoCsr", ErrorCategory.InvalidData,
                    string.Format(CultureInfo.CurrentCulture, Strings.PendingHasNoCsr, state.Name), state.Name);
            }

            try
            {
                File.WriteAllText(path, pem, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new KvCertPendingException(
                    "CsrPathUnwritable", ErrorCategory.WriteError,
                    string.Format(CultureInfo.CurrentCulture, Strings.CsrPathUnwritable, path, ex.Message), state.Name, ex);
            }

            WriteVerbose(string.Format(CultureInfo.CurrentCulture, Strings.CsrWritten, state.Name, path));
        }
    }
}
