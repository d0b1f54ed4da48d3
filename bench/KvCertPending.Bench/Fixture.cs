using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Security.KeyVault.Certificates;

namespace KvCertPending.Bench;

/// <summary>
/// Fills a local vault for the scan scenarios through its REST API, quickly: the certificates that are not pending are
/// imported (one PFX, many names: a completed version and no pending object, as after a finished request), the pending
/// ones are real create requests to the manual issuer (EC P-256 keys, cheap to make). Names are scan-00000, scan-00001...;
/// the pending ones are spread evenly over the name range, so over every list page.
/// </summary>
internal sealed class Fixture
{
    private readonly CertificateClient _client;
    private readonly byte[] _pfx;
    private int _seeded;

    public Fixture(CertificateClient client)
    {
        _client = client;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=bench-imported", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
        _pfx = certificate.Export(X509ContentType.Pkcs12);
    }

    /// <summary>How many certificates the vault holds now.</summary>
    public int Count => _seeded;

    /// <summary>How many of the first <paramref name="certificates"/> names are pending.</summary>
    public static int PendingAmong(int certificates, double pendingShare) => Enumerable.Range(0, certificates).Count(i => IsPending(i, pendingShare));

    /// <summary>Name i is pending when it crosses a multiple of 1/share: exactly share x N of the first N names, evenly spread.</summary>
    public static bool IsPending(int index, double pendingShare) =>
        Math.Floor((index + 1) * pendingShare + 1e-9) > Math.Floor(index * pendingShare + 1e-9);

    /// <summary>Adds names until the vault holds <paramref name="certificates"/> of them (sizes only grow).</summary>
    public async Task GrowToAsync(int certificates, double pendingShare)
    {
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(_seeded, Math.Max(0, certificates - _seeded)).Select(async i =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                var name = $"scan-{i:D5}";
                if (IsPending(i, pendingShare))
                {
                    var policy = new CertificatePolicy(WellKnownIssuerNames.Unknown, "CN=" + name) { KeyType = CertificateKeyType.Ec, KeyCurveName = CertificateKeyCurveName.P256 };
                    await _client.StartCreateCertificateAsync(name, policy).ConfigureAwait(false);
                }
                else
                {
                    await _client.ImportCertificateAsync(new ImportCertificateOptions(name, _pfx)).ConfigureAwait(false);
                }
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        _seeded = Math.Max(_seeded, certificates);
    }
}
