using System.Security.Cryptography;

namespace KvCertPending.LocalVault.Crypto;

/// <summary>
/// Makes the private key of a new certificate version. Behind an interface so a pool of keys generated in the
/// background can serve requests without waiting (RSA 4096 takes seconds).
/// </summary>
internal interface IKeyFactory
{
    /// <summary>A fresh key; the caller owns and disposes it.</summary>
    Task<AsymmetricAlgorithm> CreateAsync(KeySpec spec, CancellationToken cancellationToken);
}
