using System.Security.Cryptography.X509Certificates;
using KvCertPending.LocalVault.Crypto;
using KvCertPending.LocalVault.Model;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Lifecycle;

/// <summary>Completing a pending request: by a CA answer (Self or simulated provider) or by a merge.</summary>
internal static class Issuance
{
    public const string IssuerErrorCode = "Certificate issuer error";
    public const string RejectedCode = "Request rejected";

    /// <summary>Stores the chain on the pending request's version, enables it, and marks the request completed.</summary>
    public static VersionRecord Complete(VaultTransaction tx, PendingRecord pending, IReadOnlyList<byte[]> chain, long now)
    {
        var version = tx.GetVersion(pending.Name, pending.Version)
            ?? throw new InvalidOperationException($"The version {pending.Version} of {pending.Name} is missing.");
        using var leaf = X509CertificateLoader.LoadCertificate(chain[0]);
        version.Chain = chain.Select(Convert.ToBase64String).ToList();
        version.NotBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime()).ToUnixTimeSeconds();
        version.Expires = new DateTimeOffset(leaf.NotAfter.ToUniversalTime()).ToUnixTimeSeconds();
        version.Enabled = pending.EnableOnCompletion;
        version.Updated = now;
        tx.PutVersion(version);

        pending.Status = PendingStatus.Completed;
        pending.ErrorCode = null;
        pending.ErrorMessage = null;
        pending.DueAtMs = null;
        tx.PutPending(pending);
        return version;
    }

    /// <summary>Runs the simulated CA (or the Self signer) for a due request, inside the caller's transaction.</summary>
    public static void Answer(VaultTransaction tx, PendingRecord pending, LocalCertificateAuthority authority, DateTimeOffset now)
    {
        var nowSeconds = now.ToUnixTimeSeconds();
        if (pending.CancellationRequested && pending.HonourCancellation)
        {
            Finish(tx, pending, PendingStatus.Cancelled, null, null);
            return;
        }

        if (PolicyRules.IsSelf(pending.IssuerName))
        {
            var version = tx.GetVersion(pending.Name, pending.Version)!;
            var policy = tx.GetCertificate(pending.Name)!.Policy;
            using var key = KeyMaterial.Import(version.KeyType, version.PrivateKey);
            Complete(tx, pending, [CertificateFactory.CreateSelfSigned(policy, key, DateTimeOffset.FromUnixTimeSeconds(version.Created))], nowSeconds);
            return;
        }

        switch (pending.Outcome)
        {
            case IssuerOutcome.Issue:
                var validityDays = (int)Math.Ceiling((now.AddMonths(pending.ValidityMonths) - now).TotalDays);
                Complete(tx, pending, authority.Sign(Convert.FromBase64String(pending.Csr), validityDays), nowSeconds);
                break;
            case IssuerOutcome.Fail:
                Finish(tx, pending, PendingStatus.Failed, IssuerErrorCode,
                    $"The call to {pending.Provider} failed with error: the issuer could not process the request (simulated failure). Request id: {pending.RequestId}.");
                break;
            default:
                Finish(tx, pending, PendingStatus.Failed, RejectedCode,
                    $"The call to {pending.Provider} failed with error: the certificate request was rejected by the issuer (simulated rejection). Request id: {pending.RequestId}.");
                break;
        }
    }

    /// <summary>Marks a request failed with an issuer error (the CA could not process it).</summary>
    public static void Fail(VaultTransaction tx, PendingRecord pending, string reason) =>
        Finish(tx, pending, PendingStatus.Failed, IssuerErrorCode, $"The call to {pending.Provider ?? pending.IssuerName} failed with error: {reason}");

    private static void Finish(VaultTransaction tx, PendingRecord pending, string status, string? code, string? message)
    {
        pending.Status = status;
        pending.ErrorCode = code;
        pending.ErrorMessage = message;
        pending.DueAtMs = null;
        tx.PutPending(pending);
    }
}
