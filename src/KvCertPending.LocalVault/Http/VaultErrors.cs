namespace KvCertPending.LocalVault.Http;

/// <summary>The errors the vault answers with, in one place so codes and texts stay consistent.</summary>
internal static class VaultErrors
{
    public const string BadParameterCode = "BadParameter";

    public static VaultException BadParameter(string message) => new(400, BadParameterCode, message);

    public static VaultException CertificateNotFound(string name, string? version = null) =>
        new(404, "CertificateNotFound", version is null
            ? $"A certificate with (name/id) {name} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
            : $"A certificate with (name/id) {name}/{version} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182");

    public static VaultException PendingNotFound(string name) =>
        new(404, "PendingCertificateNotFound", $"Pending certificate not found: {name}");

    public static VaultException IssuerNotFound(string name) =>
        new(404, "CertificateIssuerNotFound", $"Issuer not found: {name}");

    public static VaultException SecretNotFound(string name) =>
        new(404, "SecretNotFound", $"A secret with (name/id) {name} was not found in this key vault.");

    public static VaultException DeletedCertificateNotFound(string name) =>
        new(404, "CertificateNotFound", $"Deleted Certificate not found: {name}");

    public static VaultException PendingInProgress(string name) =>
        new(409, "Conflict", $"Pending certificate '{name}' is in progress. A new certificate can not be created or imported while a pending certificate's status is inProgress.");

    public static VaultException DeletedButRecoverable(string name) =>
        new(409, "Conflict", $"Certificate {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the certificate can only be recovered or purged.", "ObjectIsDeletedButRecoverable");

    public static VaultException ConcurrentUpdate(string name, string verb) =>
        new(409, "Conflict", $"There was a conflict while {verb} pending certificate {name}. Please retry the operation.");

    public static VaultException ConcurrentCertificateChange(string name) =>
        new(409, "Conflict", $"There was a conflict while updating certificate {name}. Please retry the operation.");

    /// <summary>A restore blob that is not a backup of this vault's key (another vault's, altered, not a backup): the service's answer to a blob it cannot open.</summary>
    public static VaultException MalformedBackup() =>
        new(400, "Malformed backup blob", "Backup blob contains invalid or corrupt version.");

    /// <summary>Restore onto a name that exists (or is busy); <paramref name="versionId"/> is the blob's latest version id.</summary>
    public static VaultException RestoreConflict(string versionId) =>
        new(409, "Conflict", $"Conflict while restoring certificate {versionId} - certificate already exists or concurrent access");

    public static VaultException Forbidden(string message) => new(403, "Forbidden", message);

    public static VaultException ContactsNotFound() => new(404, "ContactsNotFound", "Contacts not found");

    public static VaultException BodyTooLarge(int limit) =>
        new(413, "RequestEntityTooLarge", $"The request body is larger than the limit of {limit} bytes.");
}
