using System.Security.Cryptography;

namespace KvCertPending.LocalVault.Crypto;

/// <summary>What key a policy asks for: RSA with a size, or EC on a named curve.</summary>
internal sealed record KeySpec(string Family, int RsaSize, string? Curve)
{
    public const string Rsa = "RSA";
    public const string Ec = "EC";

    public static KeySpec ForRsa(int size) => new(Rsa, size, null);

    public static KeySpec ForCurve(string curve) => new(Ec, 0, curve);

    /// <summary>The spec a key pool is named by (<see cref="KeyPoolOptions.Sizes"/>): <c>RSA-2048</c>, <c>EC-P-256</c>.</summary>
    public string PoolName => Family == Rsa ? $"RSA-{RsaSize}" : $"EC-{Curve}";

    /// <summary>The spec of a pool name, or null when no policy can ask for it.</summary>
    public static KeySpec? FromPoolName(string name) => name.ToUpperInvariant() switch
    {
        "RSA-2048" => ForRsa(2048),
        "RSA-3072" => ForRsa(3072),
        "RSA-4096" => ForRsa(4096),
        "EC-P-256" => ForCurve("P-256"),
        "EC-P-384" => ForCurve("P-384"),
        "EC-P-521" => ForCurve("P-521"),
        "EC-P-256K" => ForCurve("P-256K"),
        _ => null,
    };

    public ECCurve EcCurve => Curve switch
    {
        "P-256" => ECCurve.NamedCurves.nistP256,
        "P-384" => ECCurve.NamedCurves.nistP384,
        "P-521" => ECCurve.NamedCurves.nistP521,
        "P-256K" => ECCurve.CreateFromValue("1.3.132.0.10"),
        _ => throw new InvalidOperationException($"Unsupported curve {Curve}."),
    };

    public HashAlgorithmName Hash => Curve switch
    {
        "P-384" => HashAlgorithmName.SHA384,
        "P-521" => HashAlgorithmName.SHA512,
        _ => HashAlgorithmName.SHA256,
    };
}
