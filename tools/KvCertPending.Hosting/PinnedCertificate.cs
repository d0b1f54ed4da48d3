using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KvCertPending.Hosting;

/// <summary>
/// TLS trust for one HTTP client: normal validation, plus exactly one extra certificate (the local vault's own)
/// accepted when its only fault is an untrusted chain. Nothing global is touched.
/// </summary>
public static class PinnedCertificate
{
    /// <summary>A handler that trusts <paramref name="trusted"/> in addition to the system's roots.</summary>
    public static HttpClientHandler CreateHandler(X509Certificate2 trusted)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        var pinned = trusted.RawData;
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None
                || (errors == SslPolicyErrors.RemoteCertificateChainErrors
                    && certificate is not null
                    && certificate.RawData.AsSpan().SequenceEqual(pinned)),
        };
    }
}
