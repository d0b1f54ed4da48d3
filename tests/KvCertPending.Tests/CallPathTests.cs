using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>
/// What the per-call fast path keeps per file rather than per call (the trust setting's certificate, docs/performance.md)
/// must still follow the file: a replaced file takes effect on the next call, a removed one is an error again.
/// </summary>
public sealed class CallPathTests : ModuleTest
{
    public CallPathTests(ModuleVault vault)
        : base(vault)
    {
    }

    [Fact]
    public void TrustFileReplacedBetweenCallsTakesEffectOnTheNextCall()
    {
        var path = Path.Combine(Path.GetTempPath(), "kvcp-trust-" + Guid.NewGuid().ToString("N") + ".pem");
        File.Copy(Vault.Harness.Server.TlsCertificatePemPath, path);
        try
        {
            Ps.SetVariable("trustFile", path);
            const string Script = "$KvCertPendingTrustedCertificate = $trustFile; Get-KvPendingCertificate -VaultUri $VaultUri -Name not-there";
            Assert.Equal("PendingCertificateNotFound,KvCertPending.Commands.GetKvPendingCertificateCommand", Ps.Run(Script).SingleError().FullyQualifiedErrorId);

            // Same path, another certificate (the local CA root, which is not the vault's TLS certificate): refused.
            File.Copy(Vault.Harness.Server.CaCertificatePemPath, path, overwrite: true);
            Assert.Equal("VaultUnreachable,KvCertPending.Commands.GetKvPendingCertificateCommand", Ps.Run(Script).SingleError().FullyQualifiedErrorId);

            // Gone: the setting's own error, not a remembered certificate.
            File.Delete(path);
            Assert.Equal("TrustedCertificateInvalid,KvCertPending.Commands.GetKvPendingCertificateCommand", Ps.Run(Script).SingleError().FullyQualifiedErrorId);

            // Back: trusted again.
            File.Copy(Vault.Harness.Server.TlsCertificatePemPath, path);
            Assert.Equal("PendingCertificateNotFound,KvCertPending.Commands.GetKvPendingCertificateCommand", Ps.Run(Script).SingleError().FullyQualifiedErrorId);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
