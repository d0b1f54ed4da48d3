using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using KvCertPending.Engine;
using KvCertPending.Model;

namespace KvCertPending.Completion
{
    /// <summary>
    /// Tab completion from the vault the command line names (-VaultName/-Environment or -VaultUri), with the same
    /// credential and trust setting the cmdlet would use. Never throws: no vault, no answer, no completions.
    /// </summary>
    public abstract class VaultCompleter : IArgumentCompleter
    {
        private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(
            string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var session = OpenSession(commandName, fakeBoundParameters);
                if (session is null)
                {
                    return Array.Empty<CompletionResult>();
                }

                var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
                var pattern = new WildcardPattern(prefix + "*", WildcardOptions.IgnoreCase);
                using var budget = new CancellationTokenSource(Budget);
                var names = Task.Run(() => ListAsync(session, budget.Token)).GetAwaiter().GetResult();
                return names.Where(pattern.IsMatch).Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n)).ToList();
            }
#pragma warning disable CA1031 // A completer must never fail the command line.
            catch (Exception)
#pragma warning restore CA1031
            {
                return Array.Empty<CompletionResult>();
            }
        }

        internal abstract Task<IReadOnlyList<string>> ListAsync(IVaultSession session, CancellationToken cancellationToken);

        private static IVaultSession? OpenSession(string commandName, IDictionary bound)
        {
            VaultEndpoint endpoint;
            if (DefaultParameterValues.Unwrap(bound["VaultUri"]) is { } uri)
            {
                endpoint = VaultEndpoint.FromUri(uri as Uri ?? new Uri(uri.ToString()!));
            }
            else if (DefaultParameterValues.Unwrap(bound["VaultName"]) is string name)
            {
                var environment = DefaultParameterValues.Unwrap(bound["Environment"]) is { } env
                    ? (KvCloudEnvironment)Enum.Parse(typeof(KvCloudEnvironment), env.ToString()!, ignoreCase: true)
                    : KvCloudEnvironment.AzureCloud;
                endpoint = VaultEndpoint.FromName(name, environment);
            }
            else if (SessionDefaults.Current?.Endpoint is { } connected)
            {
                endpoint = connected;
            }
            else
            {
                return null;
            }

            // The same precedence as the cmdlets: explicit or default -AccessToken, then Connect-KvVault, then the chain.
            var token = DefaultParameterValues.Unwrap(bound["AccessToken"]) as SecureString ?? DefaultAccessToken(commandName);
            var engine = EngineLoader.Engine;
            var credential = token is not null ? engine.FromAccessToken(token)
                : SessionDefaults.Current?.Credential ?? engine.DefaultChain(endpoint.Environment);
            var trust = TrustedCertificate.Resolve(ReadVariable(TrustedCertificate.VariableName), p => p);
            return engine.Open(endpoint, credential, trust);
        }

        /// <summary>The -AccessToken default from $PSDefaultParameterValues that applies to this command, if any.</summary>
        private static SecureString? DefaultAccessToken(string commandName)
        {
            foreach (var value in DefaultParameterValues.For(ReadVariable("PSDefaultParameterValues"), commandName, "AccessToken"))
            {
                if (value is SecureString token)
                {
                    return token;
                }
            }

            return null;
        }

        /// <summary>A variable of the session the completion runs in (completers run on its pipeline thread).</summary>
        private static object? ReadVariable(string name)
        {
            // Through PSVariable rather than "$name": under Set-StrictMode an unset variable would throw, and completion fail.
            var values = ScriptBlock.Create("$ExecutionContext.SessionState.PSVariable.GetValue('" + name + "')").Invoke();
            return values.Count > 0 ? DefaultParameterValues.Unwrap(values[0]) : null;
        }
    }

    /// <summary>Completes certificate names (the vault's includePending listing).</summary>
    public sealed class CertificateNameCompleter : VaultCompleter
    {
        internal override Task<IReadOnlyList<string>> ListAsync(IVaultSession session, CancellationToken cancellationToken) =>
            session.ListCertificateNamesAsync(cancellationToken);
    }

    /// <summary>Completes issuer names: Self, Unknown and the vault's issuer objects.</summary>
    public sealed class IssuerNameCompleter : VaultCompleter
    {
        internal override async Task<IReadOnlyList<string>> ListAsync(IVaultSession session, CancellationToken cancellationToken)
        {
            var names = new List<string> { "Self", "Unknown" };
            names.AddRange(await session.ListIssuerNamesAsync(cancellationToken).ConfigureAwait(false));
            return names;
        }
    }
}
