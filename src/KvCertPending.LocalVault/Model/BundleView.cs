using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Model;

/// <summary>Certificate bundles, certificate items and policies as Key Vault writes them, for one request's URLs and the vault's soft delete.</summary>
internal sealed class BundleView
{
    private readonly VaultUrls _urls;
    private readonly SoftDelete _softDelete;

    public BundleView(VaultUrls urls, SoftDelete softDelete)
    {
        _urls = urls;
        _softDelete = softDelete;
    }

    public VaultUrls Urls => _urls;

    /// <summary>
    /// The full bundle (GET of the latest version, and the answers that return a certificate): ids, cer and x5t once
    /// issued, attributes, policy, and the pending link for as long as this version's pending object exists, whatever
    /// its status (it keeps answering completed with target until it is deleted).
    /// </summary>
    public JsonObject Render(CertificateRecord certificate, VersionRecord version, PendingRecord? pending)
    {
        var json = Issued(certificate, version);
        json["policy"] = Policy(certificate, _urls);
        if (pending is not null && pending.Version == version.Version)
        {
            json["pending"] = new JsonObject { ["id"] = _urls.Pending(certificate.Name) };
        }

        return json;
    }

    /// <summary>
    /// GET of one version: a version that was never issued (its request in progress, cancelled, failed, or its pending
    /// object deleted) is only its id and attributes; an issued one is the bundle without the pending link, with the
    /// policy, or at api-version 7.2 and earlier with the certificate's subject, issuer and serial number instead.
    /// </summary>
    public JsonObject RenderVersion(CertificateRecord certificate, VersionRecord version)
    {
        if (version.Chain is not { Count: > 0 } chain)
        {
            return new JsonObject { ["id"] = _urls.CertificateVersion(version.Name, version.Version), ["attributes"] = Attributes(version) };
        }

        var json = Issued(certificate, version);
        if (ApiVersions.Before73(_urls.ApiVersion))
        {
            using var leaf = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(chain[0]));
            json["subject"] = leaf.Subject;
            json["issuer"] = leaf.Issuer;
            json["serialnumber"] = leaf.SerialNumber;
        }
        else
        {
            json["policy"] = Policy(certificate, _urls);
        }

        return json;
    }

    /// <summary>A list item: id, x5t, attributes, tags (no policy, no cer).</summary>
    public JsonObject Item(CertificateRecord certificate, VersionRecord version, string id)
    {
        var json = new JsonObject { ["id"] = id };
        if (version.Chain is { Count: > 0 } chain)
        {
            json["x5t"] = Thumbprint(chain[0]);
        }

        json["attributes"] = Attributes(version);
        if (version.Tags is { Count: > 0 } tags)
        {
            json["tags"] = JsonSerializer.SerializeToNode(tags);
        }

        AddDeleted(json, certificate);
        return json;
    }

    public static JsonObject Policy(CertificateRecord certificate, VaultUrls urls)
    {
        var node = JsonSerializer.SerializeToNode(certificate.Policy, VaultJson.Options)!.AsObject();
        node["id"] = urls.Policy(certificate.Name);
        return node;
    }

    /// <summary>The list item of a version, with kid, sid and cer once it is issued.</summary>
    private JsonObject Issued(CertificateRecord certificate, VersionRecord version)
    {
        var json = Item(certificate, version, _urls.CertificateVersion(version.Name, version.Version));
        if (version.Chain is { Count: > 0 } chain)
        {
            json["kid"] = _urls.Key(version.Name, version.Version);
            json["sid"] = _urls.Secret(version.Name, version.Version);
            json["cer"] = chain[0];
        }

        return json;
    }

    /// <summary>Base64url SHA-1 of the DER certificate, as Key Vault writes x5t.</summary>
    public static string Thumbprint(string derBase64) =>
        Base64Url(SHA1.HashData(Convert.FromBase64String(derBase64)));

    /// <summary>A version's attributes (its secret's too): enabled, validity, times, and the vault's recovery level.</summary>
    public JsonObject Attributes(VersionRecord version)
    {
        var json = new JsonObject { ["enabled"] = version.Enabled };
        if (version.NotBefore is { } nbf)
        {
            json["nbf"] = nbf;
        }

        if (version.Expires is { } exp)
        {
            json["exp"] = exp;
        }

        json["created"] = version.Created;
        json["updated"] = version.Updated;
        _softDelete.AddTo(json);
        return json;
    }

    private void AddDeleted(JsonObject json, CertificateRecord certificate)
    {
        if (certificate.DeletedOn is { } deleted)
        {
            json["recoveryId"] = _urls.DeletedCertificate(certificate.Name);
            json["deletedDate"] = deleted;
            json["scheduledPurgeDate"] = certificate.ScheduledPurgeOn;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
