using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>Bad input and connection problems: each a clear ErrorRecord with a stable id and category, and no change in the vault.</summary>
public sealed class ErrorTests : ModuleTest
{

    public ErrorTests(ModuleVault vault)
        : base(vault)
    {
    }

    private static void AssertError(PsResult result, string id, string command, ErrorCategory category)
    {
        var error = result.SingleError();
        Assert.Equal(id + ",KvCertPending.Commands." + command, error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Empty(result.Output);
    }

    [Theory]
    [InlineData("New-KvCertificate -VaultUri $VaultUri -Name 'bad_name' -Subject 'CN=x'", "CertificateNameInvalid", "NewKvCertificateCommand", ErrorCategory.InvalidArgument)]
    [InlineData("Stop-KvPendingCertificate -VaultName myvault -Force", "CertificateNameMissing", "StopKvPendingCertificateCommand", ErrorCategory.InvalidArgument)]
    [InlineData("Get-KvPendingCertificate -VaultUri 'http://localhost:1/' -Name x", "VaultUriInvalid", "GetKvPendingCertificateCommand", ErrorCategory.InvalidArgument)]
    [InlineData("Get-KvPendingCertificate -VaultUri 'https://localhost:1/certificates' -Name x", "VaultUriInvalid", "GetKvPendingCertificateCommand", ErrorCategory.InvalidArgument)]
    [InlineData("Get-KvPendingCertificate -VaultName 'x' -Name x", "VaultNameInvalid", "GetKvPendingCertificateCommand", ErrorCategory.InvalidArgument)]
    [InlineData("New-KvCertificate -VaultUri $VaultUri -Name nosubject", "CertificatePolicyInvalid", "NewKvCertificateCommand", ErrorCategory.InvalidArgument)]
    [InlineData("New-KvCertificate -VaultUri $VaultUri -Name eckeysize -Subject 'CN=x' -KeyType EC -KeySize 2048", "CertificatePolicyInvalid", "NewKvCertificateCommand", ErrorCategory.InvalidArgument)]
    [InlineData("New-KvCertificate -VaultUri $VaultUri -Name twolifetimes -Subject 'CN=x' -RenewAtPercentageLifetime 80 -RenewAtNumberOfDaysBeforeExpiry 30", "CertificatePolicyInvalid", "NewKvCertificateCommand", ErrorCategory.InvalidArgument)]
    [InlineData("New-KvCertificate -VaultUri $VaultUri -Name conflict -Subject 'CN=x' -Policy @{ x509_props = @{ subject = 'CN=y' } }", "PolicySourceConflict", "NewKvCertificateCommand", ErrorCategory.InvalidArgument)]
    [InlineData("New-KvCertificate -VaultUri $VaultUri -Name typo -Policy @{ x509_props = @{ subjekt = 'CN=y' } }", "CertificatePolicyInvalid", "NewKvCertificateCommand", ErrorCategory.InvalidArgument)]
    [InlineData("New-KvCertificate -VaultUri $VaultUri -Name badjson -Policy '{ not json'", "CertificatePolicyInvalid", "NewKvCertificateCommand", ErrorCategory.InvalidArgument)]
    [InlineData("New-KvCertificate -VaultUri $VaultUri -Name nofile -PolicyPath 'no-such-policy.json'", "PolicyFileUnreadable", "NewKvCertificateCommand", ErrorCategory.ObjectNotFound)]
    [InlineData("New-KvCertificate -VaultUri $VaultUri -Name noissuer -Subject 'CN=x' -IssuerName no-such-issuer", "CertificateIssuerNotFound", "NewKvCertificateCommand", ErrorCategory.ObjectNotFound)]
    public void BadInputIsAClearErrorAndCreatesNothing(string script, string id, string command, ErrorCategory category)
    {
        var result = Ps.Run(script);
        AssertError(result, id, command, category);
        foreach (var name in new[] { "nosubject", "eckeysize", "twolifetimes", "conflict", "typo", "badjson", "nofile", "noissuer" })
        {
            Assert.Equal(ErrorCategory.ObjectNotFound, Ps.Run($"Get-KvPendingCertificate -VaultUri $VaultUri -Name {name}").SingleError().CategoryInfo.Category);
        }
    }

    [Fact]
    public void WithoutTheTrustSettingTheLocalVaultIsUnreachableNotSilentlyTrusted()
    {
        var result = Ps.Run("$KvCertPendingTrustedCertificate = $null; Get-KvPendingCertificate -VaultUri $VaultUri -Name anything");
        AssertError(result, "VaultUnreachable", "GetKvPendingCertificateCommand", ErrorCategory.ConnectionError);
        Assert.Contains("KvCertPendingTrustedCertificate", result.Errors[0].ErrorDetails.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public void TrustSettingAcceptsACertificateObject()
    {
        Ps.SetVariable("pinned", X509CertificateLoader.LoadCertificate(Vault.Harness.Server.TlsCertificate.RawData));
        var result = Ps.Run("$KvCertPendingTrustedCertificate = $pinned; Get-KvPendingCertificate -VaultUri $VaultUri -Name not-there");
        AssertError(result, "PendingCertificateNotFound", "GetKvPendingCertificateCommand", ErrorCategory.ObjectNotFound);
    }

    [Fact]
    public void TrustSettingPointingNowhereIsAClearError()
    {
        var result = Ps.Run("$KvCertPendingTrustedCertificate = './no-such-cert.pem'; Get-KvPendingCertificate -VaultUri $VaultUri -Name x");
        AssertError(result, "TrustedCertificateInvalid", "GetKvPendingCertificateCommand", ErrorCategory.InvalidArgument);
    }

    [Fact]
    public void TrustSettingForAnotherCertificateDoesNotOpenTheDoor()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        using var other = new CertificateRequest("CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(Path.GetTempPath(), "kvcp-other-" + Guid.NewGuid().ToString("N") + ".pem");
        File.WriteAllText(path, other.ExportCertificatePem());
        try
        {
            var result = Ps.Run($"$KvCertPendingTrustedCertificate = '{path}'; Get-KvPendingCertificate -VaultUri $VaultUri -Name x");
            AssertError(result, "VaultUnreachable", "GetKvPendingCertificateCommand", ErrorCategory.ConnectionError);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task PolicyFromParametersReachesTheVault()
    {
        var result = Ps.Run("New-KvCertificate -VaultUri $VaultUri -Name fromparams -Subject 'CN=params' -DnsName a.example, b.example -EmailName pki@example.com " +
            "-KeyType EC -Curve P-384 -NotExportable -ContentType application/x-pem-file -ValidityInMonths 6 -EnhancedKeyUsage 1.3.6.1.5.5.7.3.1 " +
            "-KeyUsage digitalSignature -EmailAtNumberOfDaysBeforeExpiry 30 -Tag @{ owner = 'team-a' } -Disabled");
        result.Single();
        var policy = (await Vault.Client.GetCertificatePolicyAsync("fromparams")).Value;
        Assert.Equal("CN=params", policy.Subject);
        Assert.Equal(["a.example", "b.example"], policy.SubjectAlternativeNames.DnsNames);
        Assert.Equal(CertificateKeyType.Ec, policy.KeyType);
        Assert.Equal(CertificateKeyCurveName.P384, policy.KeyCurveName);
        Assert.False(policy.Exportable);
        Assert.Equal(CertificateContentType.Pem, policy.ContentType);
        Assert.Equal(6, policy.ValidityInMonths);
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], policy.EnhancedKeyUsage);
        var action = Assert.Single(policy.LifetimeActions);
        Assert.Equal(CertificatePolicyAction.EmailContacts, action.Action);
        Assert.Equal(30, action.DaysBeforeExpiry);
        var certificate = (await Vault.Client.GetCertificateAsync("fromparams")).Value;
        Assert.Equal("team-a", certificate.Properties.Tags["owner"]);
    }

    [Fact]
    public async Task WholePolicyFromAJsonFileAndFromAHashtable()
    {
        var path = Path.Combine(Path.GetTempPath(), "kvcp-policy-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, """
            {
              "key_props": { "kty": "EC", "crv": "P-256", "exportable": true, "reuse_key": false },
              "secret_props": { "contentType": "application/x-pkcs12" },
              "x509_props": { "subject": "CN=from-json", "sans": { "dns_names": ["json.example"] }, "validity_months": 3 },
              "lifetime_actions": [ { "trigger": { "lifetime_percentage": 75 }, "action": { "action_type": "AutoRenew" } } ],
              "issuer": { "name": "Self" }
            }
            """);
        try
        {
            Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name fromjson -PolicyPath '{path}'").Single();
            var policy = (await Vault.Client.GetCertificatePolicyAsync("fromjson")).Value;
            Assert.Equal("CN=from-json", policy.Subject);
            Assert.Equal("Self", policy.IssuerName);
            Assert.Equal(3, policy.ValidityInMonths);
            Assert.Equal(75, Assert.Single(policy.LifetimeActions).LifetimePercentage);
        }
        finally
        {
            File.Delete(path);
        }

        Ps.Run("New-KvCertificate -VaultUri $VaultUri -Name fromhashtable -Policy @{ policy = @{ x509_props = @{ subject = 'CN=from-hashtable' }; key_props = @{ kty = 'EC'; crv = 'P-256' }; issuer = @{ name = 'Unknown' } } }").Single();
        var fromHashtable = (await Vault.Client.GetCertificatePolicyAsync("fromhashtable")).Value;
        Assert.Equal("CN=from-hashtable", fromHashtable.Subject);
        Assert.Equal(CertificateKeyType.Ec, fromHashtable.KeyType);
    }

    [Fact]
    public async Task ThePolicyOfAnotherCertificatesBundleIsTakenAndACreateBodysTagsAreRefused()
    {
        // What GET /certificates/{name} (and az keyvault certificate show) writes: the policy next to the other
        // certificate's id, attributes and tags, which describe that certificate and are not taken over.
        Ps.Run("""
            $bundle = '{ "id": "https://other.vault.azure.net/certificates/web01/abc", "attributes": { "enabled": true, "exp": 1767225600 }, "tags": { "owner": "someone-else" }, "x5t": "AAAA",
                         "policy": { "x509_props": { "subject": "CN=from-bundle" }, "issuer": { "name": "Unknown" } } }'
            New-KvCertificate -VaultUri $VaultUri -Name frombundle -Policy $bundle
            """).Single();
        var policy = (await Vault.Client.GetCertificatePolicyAsync("frombundle")).Value;
        Assert.Equal("CN=from-bundle", policy.Subject);
        Assert.Empty((await Vault.Client.GetCertificateAsync("frombundle")).Value.Properties.Tags);

        // A create body has no id: its tags would be silently lost, so the module says where they go instead.
        var result = Ps.Run("""New-KvCertificate -VaultUri $VaultUri -Name createbody -Policy '{ "policy": { "x509_props": { "subject": "CN=x" }, "issuer": { "name": "Unknown" } }, "tags": { "owner": "me" } }'""");
        AssertError(result, "CertificatePolicyInvalid", "NewKvCertificateCommand", ErrorCategory.InvalidArgument);
        Assert.Contains("tags", result.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, Ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name createbody").SingleError().CategoryInfo.Category);
    }
}
