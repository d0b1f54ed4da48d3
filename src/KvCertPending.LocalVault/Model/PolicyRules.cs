using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KvCertPending.LocalVault.Crypto;
using KvCertPending.LocalVault.Http;

namespace KvCertPending.LocalVault.Model;

/// <summary>Fills a policy with Key Vault's defaults and refuses values the service refuses (400 BadParameter).</summary>
internal static class PolicyRules
{
    public const string SelfIssuer = "Self";
    public const string UnknownIssuer = "Unknown";
    public const string Pkcs12 = "application/x-pkcs12";
    public const string Pem = "application/x-pem-file";
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private static readonly Dictionary<string, X509KeyUsageFlags> KeyUsages = new(StringComparer.OrdinalIgnoreCase)
    {
        ["digitalSignature"] = X509KeyUsageFlags.DigitalSignature,
        ["nonRepudiation"] = X509KeyUsageFlags.NonRepudiation,
        ["keyEncipherment"] = X509KeyUsageFlags.KeyEncipherment,
        ["dataEncipherment"] = X509KeyUsageFlags.DataEncipherment,
        ["keyAgreement"] = X509KeyUsageFlags.KeyAgreement,
        ["keyCertSign"] = X509KeyUsageFlags.KeyCertSign,
        ["cRLSign"] = X509KeyUsageFlags.CrlSign,
        ["encipherOnly"] = X509KeyUsageFlags.EncipherOnly,
        ["decipherOnly"] = X509KeyUsageFlags.DecipherOnly,
    };

    public static bool IsSelf(string issuer) => string.Equals(issuer, SelfIssuer, StringComparison.OrdinalIgnoreCase);

    public static bool IsUnknown(string issuer) => string.Equals(issuer, UnknownIssuer, StringComparison.OrdinalIgnoreCase);

    /// <summary>Validates the policy and returns a copy with every default filled in, times set to <paramref name="now"/>.</summary>
    public static PolicyModel Complete(PolicyModel input, long now, PolicyModel? previous = null)
    {
        var key = input.KeyProps ?? new KeyProperties();
        var x509 = input.X509Props ?? new X509Properties();
        var issuerName = input.Issuer?.Name is { Length: > 0 } given ? given : UnknownIssuer;
        issuerName = IsSelf(issuerName) ? SelfIssuer : IsUnknown(issuerName) ? UnknownIssuer : Names.Require(issuerName, "issuer");

        var policy = new PolicyModel
        {
            KeyProps = CompleteKey(key),
            SecretProps = new SecretProperties { ContentType = CompleteContentType(input.SecretProps?.ContentType) },
            X509Props = new X509Properties
            {
                Subject = x509.Subject ?? string.Empty,
                Sans = CompleteSans(x509.Sans),
                Ekus = x509.Ekus ?? [ServerAuth, ClientAuth],
                KeyUsage = (x509.KeyUsage ?? ["digitalSignature", "keyEncipherment"]).Select(CanonicalKeyUsage).ToList(),
                ValidityMonths = x509.ValidityMonths ?? 12,
                BasicConstraints = new BasicConstraints { CertificateAuthority = false },
            },
            LifetimeActions = input.LifetimeActions ?? [DefaultLifetimeAction(issuerName)],
            Issuer = new IssuerParameters
            {
                Name = issuerName,
                CertificateType = input.Issuer?.CertificateType,
                CertificateTransparency = input.Issuer?.CertificateTransparency,
            },
            Attributes = new PolicyAttributes
            {
                Enabled = input.Attributes?.Enabled ?? true,
                Created = previous?.Attributes?.Created ?? now,
                Updated = now,
            },
        };
        Validate(policy);
        return policy;
    }

    public static KeySpec KeySpecOf(PolicyModel policy)
    {
        var key = policy.KeyProps!;
        return key.KeyType!.StartsWith("EC", StringComparison.Ordinal) ? KeySpec.ForCurve(key.Curve!) : KeySpec.ForRsa(key.KeySize!.Value);
    }

    public static X509KeyUsageFlags KeyUsageFlags(PolicyModel policy) =>
        (policy.X509Props?.KeyUsage ?? []).Aggregate(X509KeyUsageFlags.None, (flags, name) => flags | KeyUsages[name]);

    /// <summary>The subject as an X.500 name; an invalid DN is 400 BadParameter.</summary>
    public static X500DistinguishedName ParseSubject(string subject)
    {
        try
        {
            return new X500DistinguishedName(subject);
        }
        catch (CryptographicException)
        {
            throw VaultErrors.BadParameter($"Property policy.x509_props.subject has invalid value '{subject}': it is not a valid X.500 distinguished name.");
        }
    }

    private static KeyProperties CompleteKey(KeyProperties key)
    {
        var kty = (key.KeyType ?? (key.Curve is null ? "RSA" : "EC")).ToUpperInvariant();
        var completed = new KeyProperties { Exportable = key.Exportable ?? true, ReuseKey = key.ReuseKey ?? false };
        switch (kty)
        {
            case "RSA" or "RSA-HSM":
                var size = key.KeySize ?? 2048;
                if (size is not (2048 or 3072 or 4096))
                {
                    throw VaultErrors.BadParameter($"Property policy.key_props.key_size has invalid value {size}. Valid RSA key sizes are 2048, 3072 and 4096.");
                }

                completed.KeyType = kty;
                completed.KeySize = size;
                return completed;
            case "EC" or "EC-HSM":
                var curve = key.Curve ?? key.KeySize switch
                {
                    null or 256 => "P-256",
                    384 => "P-384",
                    521 => "P-521",
                    _ => throw VaultErrors.BadParameter($"Property policy.key_props.key_size has invalid value {key.KeySize} for an EC key."),
                };
                curve = curve.ToUpperInvariant();
                if (curve is not ("P-256" or "P-384" or "P-521" or "P-256K"))
                {
                    throw VaultErrors.BadParameter($"Property policy.key_props.crv has invalid value '{key.Curve}'. Valid curves are P-256, P-384, P-521 and P-256K.");
                }

                if (!KeyFactory.SupportsCurve(KeySpec.ForCurve(curve)))
                {
                    throw VaultErrors.BadParameter($"The curve {curve} is not supported by this local vault's platform.");
                }

                completed.KeyType = kty;
                completed.Curve = curve;
                return completed;
            default:
                throw VaultErrors.BadParameter($"Property policy.key_props.kty has invalid value '{key.KeyType}'. Valid key types for certificates are RSA, RSA-HSM, EC and EC-HSM.");
        }
    }

    private static string CompleteContentType(string? contentType) => contentType switch
    {
        null or Pkcs12 => Pkcs12,
        Pem => Pem,
        _ => throw VaultErrors.BadParameter($"Property policy.secret_props.contentType has invalid value '{contentType}'. Valid values are {Pkcs12} and {Pem}."),
    };

    private static SubjectAlternativeNames? CompleteSans(SubjectAlternativeNames? sans) =>
        sans is null || (IsEmpty(sans.DnsNames) && IsEmpty(sans.Emails) && IsEmpty(sans.Upns))
            ? new SubjectAlternativeNames()
            : new SubjectAlternativeNames
            {
                DnsNames = IsEmpty(sans.DnsNames) ? null : sans.DnsNames,
                Emails = IsEmpty(sans.Emails) ? null : sans.Emails,
                Upns = IsEmpty(sans.Upns) ? null : sans.Upns,
            };

    public static bool HasSans(SubjectAlternativeNames? sans) =>
        sans is not null && !(IsEmpty(sans.DnsNames) && IsEmpty(sans.Emails) && IsEmpty(sans.Upns));

    private static bool IsEmpty(List<string>? values) => values is null || values.Count == 0;

    private static string CanonicalKeyUsage(string name) =>
        KeyUsages.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase))
        ?? throw VaultErrors.BadParameter($"Property policy.x509_props.key_usage has invalid value '{name}'.");

    private static LifetimeAction DefaultLifetimeAction(string issuerName) => new()
    {
        Trigger = new LifetimeTrigger { LifetimePercentage = 80 },
        Action = new LifetimeActionType { ActionType = IsSelf(issuerName) ? "AutoRenew" : "EmailContacts" },
    };

    private static void Validate(PolicyModel policy)
    {
        var x509 = policy.X509Props!;
        if (x509.ValidityMonths is < 1 or > 1200)
        {
            throw VaultErrors.BadParameter($"Property policy.x509_props.validity_months has invalid value {x509.ValidityMonths}.");
        }

        if (string.IsNullOrWhiteSpace(x509.Subject) && !HasSans(x509.Sans))
        {
            throw VaultErrors.BadParameter("Property policy.x509_props must have a subject or at least one subject alternative name.");
        }

        if (!string.IsNullOrWhiteSpace(x509.Subject))
        {
            ParseSubject(x509.Subject);
        }

        foreach (var eku in x509.Ekus!)
        {
            if (!IsOid(eku))
            {
                throw VaultErrors.BadParameter($"Property policy.x509_props.ekus has invalid value '{eku}'.");
            }
        }

        ValidateSans(x509.Sans);
        foreach (var action in policy.LifetimeActions!)
        {
            var trigger = action.Trigger;
            if (trigger?.LifetimePercentage is < 1 or > 99 || trigger?.DaysBeforeExpiry is < 1 || action.Action?.ActionType is not ("AutoRenew" or "EmailContacts"))
            {
                throw VaultErrors.BadParameter("Property policy.lifetime_actions has an invalid value.");
            }
        }
    }

    private static void ValidateSans(SubjectAlternativeNames? sans)
    {
        if (sans is null)
        {
            return;
        }

        var builder = new SubjectAlternativeNameBuilder();
        try
        {
            sans.DnsNames?.ForEach(builder.AddDnsName);
            sans.Emails?.ForEach(builder.AddEmailAddress);
            sans.Upns?.ForEach(builder.AddUserPrincipalName);
        }
        catch (ArgumentException)
        {
            throw VaultErrors.BadParameter("Property policy.x509_props.sans has an invalid value.");
        }

        if ((sans.DnsNames ?? []).Concat(sans.Emails ?? []).Concat(sans.Upns ?? []).Any(string.IsNullOrWhiteSpace))
        {
            throw VaultErrors.BadParameter("Property policy.x509_props.sans has an empty value.");
        }
    }

    private static bool IsOid(string value)
    {
        var parts = value.Split('.');
        return parts.Length >= 2 && parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit));
    }
}
