using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Model;

/// <summary>The pending object as the live service writes it, field by field per state.</summary>
internal static class PendingView
{
    public const string InProgressDetails = "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later.";
    public const string ManualDetails = "Pending certificate created. Please Perform Merge to complete the request.";

    public static JsonObject Render(PendingRecord pending, VaultUrls urls)
    {
        var json = new JsonObject
        {
            ["id"] = urls.Pending(pending.Name),
            ["issuer"] = new JsonObject { ["name"] = pending.IssuerName },
            ["csr"] = pending.Csr,
            ["cancellation_requested"] = pending.CancellationRequested,
            ["status"] = pending.Status,
        };
        if (pending.IsInProgress)
        {
            json["status_details"] = PolicyRules.IsUnknown(pending.IssuerName) ? ManualDetails : InProgressDetails;
        }

        if (pending.Status == PendingStatus.Completed)
        {
            json["target"] = urls.Certificate(pending.Name);
        }

        if (pending.ErrorCode is not null)
        {
            json["error"] = new JsonObject { ["code"] = pending.ErrorCode, ["message"] = pending.ErrorMessage };
        }

        json["request_id"] = pending.RequestId;
        return json;
    }
}
