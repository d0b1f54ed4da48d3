using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KvCertPending.Engine;
using KvCertPending.Model;
using KvCertPending.Resources;

namespace KvCertPending.Commands
{
    /// <summary>
    /// Merge-KvCertificate: completes a pending request with the chain a CA signed, from files (-Path/-LiteralPath: PEM,
    /// DER, PKCS#7), certificate objects (-Certificate, also piped) or base64 strings (-X5c). Before anything is sent
    /// the leaf's public key is checked against the request's CSR, the chain is put leaf first, and a leaf outside its
    /// validity is warned about. Emits the completed certificate.
    /// </summary>
    [Cmdlet(VerbsData.Merge, "KvCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByVaultSet)]
    [OutputType(typeof(KvCertificate))]
    public sealed class MergeKvCertificateCommand : KvItemCmdlet
    {
        private readonly List<X509Certificate2> _pipedCertificates = new();

        /// <summary>Files with the signed chain (wildcards allowed): PEM with one or many certificates, DER .cer/.crt, PKCS#7 .p7b/.p7c.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? Path { get; set; }

        /// <summary>Like -Path, taken literally (no wildcards).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [Alias("PSPath", "LP")]
        public string[]? LiteralPath { get; set; }

        /// <summary>The signed chain as certificate objects (Get-PfxCertificate, the cert: drive); can be piped.</summary>
        [Parameter(ParameterSetName = ByVaultSet, ValueFromPipeline = true)]
        [Parameter(ParameterSetName = ByInputObjectSet)]
        [ValidateNotNullOrEmpty]
        public X509Certificate2[]? Certificate { get; set; }

        /// <summary>The signed chain as base64 DER certificates.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? X5c { get; set; }

        /// <summary>Tags for the completed certificate.</summary>
        [Parameter]
        [ValidateNotNull]
        public Hashtable? Tag { get; set; }

        /// <summary>Leaves the completed certificate disabled.</summary>
        [Parameter]
        public SwitchParameter Disabled { get; set; }

        private bool _certificateFromCommandLine;

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            // Parameters given on the command line are bound before BeginProcessing; piped ones are not yet.
            _certificateFromCommandLine = Certificate is not null;
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (InputObject is null && Certificate is not null && !_certificateFromCommandLine)
            {
                // Certificates are coming down the pipeline: they are one chain, merged once at the end.
                _pipedCertificates.AddRange(Certificate);
                return;
            }

            ForItem(() => MergeOne(InputObject?.Name ?? Name, Certificate));
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            if (_pipedCertificates.Count > 0)
            {
                ForItem(() => MergeOne(Name, _pipedCertificates.ToArray()));
            }
        }

        private void MergeOne(string name, X509Certificate2[]? certificates)
        {
            CheckName(name);
            var session = Session(InputObject);
            var supplied = ReadChain(name, certificates);
            var (pending, _) = Run((_, token) => session.GetPendingAsync(name, null, token));
            if (string.Equals(pending.Status, KvPendingCertificate.CompletedStatus, StringComparison.OrdinalIgnoreCase))
            {
                throw new KvCertPendingException(
                    "PendingCertificateAlreadyCompleted", ErrorCategory.InvalidOperation,
                    string.Format(CultureInfo.CurrentCulture, Strings.AlreadyCompleted, name), name,
                    recommendedAction: string.Format(CultureInfo.CurrentCulture, Strings.AlreadyCompletedAction, name));
            }

            var chain = MergeChain.Prepare(name, supplied, pending.CsrBytes, DateTimeOffset.UtcNow, WriteWarning);
            var leaf = chain[0];
            var action = string.Format(CultureInfo.CurrentCulture, Strings.ActionMerge, chain.Count, leaf.Subject, leaf.Thumbprint);
            if (!ShouldProcess(Describe(name, session), action))
            {
                return;
            }

            var tags = ToTags(Tag);
            var merged = Run((_, token) => session.MergeAsync(name, chain, Disabled.IsPresent ? false : null, tags, token));
            WriteObject(merged);
        }

        private List<X509Certificate2> ReadChain(string name, X509Certificate2[]? certificates)
        {
            var sources = new List<string>();
            if (Path is not null)
            {
                sources.Add("-" + nameof(Path));
            }

            if (LiteralPath is not null)
            {
                sources.Add("-" + nameof(LiteralPath));
            }

            if (certificates is not null)
            {
                sources.Add("-" + nameof(Certificate));
            }

            if (X5c is not null)
            {
                sources.Add("-" + nameof(X5c));
            }

            if (sources.Count == 0)
            {
                throw new KvCertPendingException("CertificateChainMissing", ErrorCategory.InvalidArgument, Strings.ChainMissing, name);
            }

            if (sources.Count > 1)
            {
                throw new KvCertPendingException(
                    "CertificateChainSourceConflict", ErrorCategory.InvalidArgument,
                    string.Format(CultureInfo.CurrentCulture, Strings.ChainSourceConflict, string.Join(", ", sources)), name);
            }

            try
            {
                if (certificates is not null)
                {
                    return certificates.ToList();
                }

                if (X5c is not null)
                {
                    return ChainReader.ReadX5c(X5c, WriteWarning);
                }

                var files = Path is not null ? ResolveWildcardPaths(Path, name) : ResolveLiteralPaths(LiteralPath!, name);
                return files.SelectMany(f => ChainReader.ReadFile(f, WriteWarning)).ToList();
            }
            catch (Exception ex) when (ex is InvalidDataException or CryptographicException or FormatException)
            {
                throw new KvCertPendingException(
                    "CertificateChainUnreadable", ErrorCategory.InvalidData,
                    string.Format(CultureInfo.CurrentCulture, Strings.ChainUnreadable, name, ex.Message), name, ex);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new KvCertPendingException(
                    "CertificateFileUnreadable", ErrorCategory.ReadError,
                    string.Format(CultureInfo.CurrentCulture, Strings.ChainFileIoError, ex.Message), name, ex);
            }
        }

        private List<string> ResolveWildcardPaths(IEnumerable<string> paths, string name)
        {
            var files = new List<string>();
            foreach (var path in paths)
            {
                try
                {
                    var resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _);
                    if (resolved.Count == 0)
                    {
                        // A wildcard that matches nothing: as much "not found" as a missing literal file.
                        throw FileNotFound(path, name, null);
                    }

                    files.AddRange(resolved);
                }
                catch (ItemNotFoundException ex)
                {
                    throw FileNotFound(path, name, ex);
                }
            }

            return files;
        }

        private List<string> ResolveLiteralPaths(IEnumerable<string> paths, string name)
        {
            var files = new List<string>();
            foreach (var path in paths)
            {
                var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                if (!File.Exists(resolved))
                {
                    throw FileNotFound(resolved, name, null);
                }

                files.Add(resolved);
            }

            return files;
        }

        private static KvCertPendingException FileNotFound(string path, string name, Exception? inner) =>
            new("CertificateFileNotFound", ErrorCategory.ObjectNotFound,
                string.Format(CultureInfo.CurrentCulture, Strings.ChainFileNotFound, path, name), path, inner);
    }
}
