using System;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KvCertPending.Resources;

namespace KvCertPending.Engine
{
    /// <summary>
    /// The one explicit trust setting for a local vault: a server certificate whose only fault is an untrusted chain is
    /// accepted if and only if it is byte-identical to this certificate. Host-name mismatches still fail; every other
    /// certificate is validated as usual; the setting lives in a per-client handler, never in a global switch.
    /// </summary>
    internal sealed class TrustedCertificate
    {
        public const string VariableName = "KvCertPendingTrustedCertificate";
        public const string EnvironmentVariableName = "KVCERTPENDING_TRUSTED_CERTIFICATE";

        private TrustedCertificate(X509Certificate2 certificate)
        {
            Certificate = certificate;
            using var sha = SHA256.Create();
            Key = BitConverter.ToString(sha.ComputeHash(certificate.RawData)).Replace("-", string.Empty);
        }

        public X509Certificate2 Certificate { get; }

        /// <summary>SHA-256 of the certificate, to key the client cache.</summary>
        public string Key { get; }

        /// <summary>
        /// Reads the setting: the session variable's value (a path, or an X509Certificate2), else the environment
        /// variable (a path). <paramref name="resolvePath"/> turns a PowerShell path into a file-system path.
        /// </summary>
        public static TrustedCertificate? Resolve(object? variableValue, Func<string, string> resolvePath)
        {
            var value = variableValue is PSObject wrapped ? wrapped.BaseObject : variableValue;
            switch (value)
            {
                case null:
                    break;
                case X509Certificate2 certificate:
                    return new TrustedCertificate(certificate);
                case FileInfo file:
                    return FromPath(file.FullName, VariableName);
                case string path when path.Length > 0:
                    return FromPath(resolvePath(path), VariableName);
                case string:
                    break;
                default:
                    throw new KvCertPendingException(
                        "TrustedCertificateInvalid",
                        ErrorCategory.InvalidArgument,
                        string.Format(CultureInfo.CurrentCulture, Strings.TrustedCertificateWrongType, VariableName, value.GetType().FullName),
                        value);
            }

            var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariableName);
            return string.IsNullOrEmpty(fromEnvironment) ? null : FromPath(fromEnvironment!, EnvironmentVariableName);
        }

        private static TrustedCertificate FromPath(string path, string settingName)
        {
            try
            {
                var certificates = ChainReader.ReadFile(path, _ => { });
                if (certificates.Count != 1)
                {
                    throw new InvalidDataException(string.Format(CultureInfo.CurrentCulture, Strings.TrustedCertificateNotSingle, certificates.Count));
                }

                return new TrustedCertificate(certificates[0]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or KvCertPendingException)
            {
                throw new KvCertPendingException(
                    "TrustedCertificateInvalid",
                    ErrorCategory.InvalidArgument,
                    string.Format(CultureInfo.CurrentCulture, Strings.TrustedCertificateUnreadable, settingName, path, ex.Message),
                    path,
                    ex);
            }
        }

        /// <summary>A handler for one client: normal validation, plus exactly this certificate when only its chain is untrusted.</summary>
        public HttpMessageHandler CreateHandler()
        {
            var trusted = Certificate.RawData;
            return new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, presented, _, errors) =>
                    errors == SslPolicyErrors.None
                    || (errors == SslPolicyErrors.RemoteCertificateChainErrors && presented is not null && Same(presented.RawData, trusted)),
            };
        }

        private static bool Same(byte[] left, byte[] right)
        {
            if (left.Length != right.Length)
            {
                return false;
            }

            for (var i = 0; i < left.Length; i++)
            {
                if (left[i] != right[i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
