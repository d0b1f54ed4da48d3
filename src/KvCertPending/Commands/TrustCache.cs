using System;
using System.Collections.Concurrent;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;
using KvCertPending.Engine;

namespace KvCertPending.Commands
{
    /// <summary>
    /// <see cref="TrustedCertificate.Resolve"/> once per certificate file rather than once per cmdlet call: reading,
    /// parsing and hashing the PEM file was a third of the module's own time per call (docs/performance.md). An entry is
    /// reused only while the file's full path, size and last-write time are unchanged, so editing or replacing the file
    /// takes effect on the next call; a file that cannot be read is never cached (its error is raised every time).
    /// </summary>
    internal static class TrustCache
    {
        private static readonly ConcurrentDictionary<string, (string Stamp, TrustedCertificate Certificate)> Entries = new(StringComparer.Ordinal);

        /// <summary>The trust setting for this value of $KvCertPendingTrustedCertificate (see <see cref="TrustedCertificate.Resolve"/>).</summary>
        public static TrustedCertificate? Resolve(object? variableValue, Func<string, string> resolvePath)
        {
            var value = variableValue is PSObject wrapped ? wrapped.BaseObject : variableValue;
            string? file;
            object? resolvedValue;
            switch (value)
            {
                case string path when path.Length > 0:
                    file = IsFullyQualified(path) ? path : resolvePath(path);
                    resolvedValue = file;
                    break;
                case FileInfo info:
                    file = info.FullName;
                    resolvedValue = info;
                    break;
                case null:
                case string:
                    file = Environment.GetEnvironmentVariable(TrustedCertificate.EnvironmentVariableName);
                    resolvedValue = null;
                    if (string.IsNullOrEmpty(file))
                    {
                        return null;
                    }

                    break;
                default:
                    // An X509Certificate2 (nothing to read) or a wrong type (its error).
                    return TrustedCertificate.Resolve(value, resolvePath);
            }

            var stamp = Stamp(file!);
            var key = (resolvedValue is null ? "env|" : "var|") + file;
            if (stamp is not null && Entries.TryGetValue(key, out var cached) && cached.Stamp == stamp)
            {
                return cached.Certificate;
            }

            var certificate = TrustedCertificate.Resolve(resolvedValue, p => p);
            if (stamp is not null && certificate is not null)
            {
                Entries[key] = (stamp, certificate);
            }

            return certificate;
        }

        /// <summary>A rooted file-system path that needs no PowerShell provider to resolve (no drive like TestDrive:, no ~).</summary>
        internal static bool IsFullyQualified(string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return (path.Length >= 3 && char.IsLetter(path[0]) && path[1] == ':' && (path[2] == '\\' || path[2] == '/'))
                    || path.StartsWith(@"\\", StringComparison.Ordinal);
            }

            return path.StartsWith("/", StringComparison.Ordinal);
        }

        private static string? Stamp(string path)
        {
            try
            {
                var info = new FileInfo(path);
                return info.Exists ? info.Length + "|" + info.LastWriteTimeUtc.Ticks : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return null;
            }
        }
    }
}
