using System.Security.Cryptography;

namespace KvCertPending.LocalVault.Crypto;

/// <summary>What key a policy asks for: RSA with a size, or EC on a named curve.</summary>
internal sealed record KeySpec(string Family, int RsaSize, string? Curve)
{
    public const string Rsa = "RSA";
    public const string Ec = "EC";

    public static KeySpec ForRsa(int size) => new(Rsa, size, null);

    public static KeySpec ForCurve(string curve) => new(Ec, 0, curve);

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
