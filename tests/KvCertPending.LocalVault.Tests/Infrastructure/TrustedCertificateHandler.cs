using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>
/// An HTTP handler that trusts exactly one certificate (the local vault's TLS certificate) besides what the
/// platform already trusts. Validation is never switched off: a host-name mismatch or any other fault still fails.
/// </summary>
internal static class TrustedCertificateHandler
{
    public static HttpClientHandler Create(X509Certificate2 trusted)
    {
        byte[] expected = trusted.RawData;
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, errors) =>
                errors == SslPolicyErrors.None
                || (errors == SslPolicyErrors.RemoteCertificateChainErrors
                    && presented is not null
                    && presented.RawData.AsSpan().SequenceEqual(expected)),
        };
    }
}
