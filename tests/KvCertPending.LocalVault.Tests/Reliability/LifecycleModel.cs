using System.Net;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Tests.Infrastructure;

namespace KvCertPending.LocalVault.Tests.Reliability;

/// <summary>What the vault shows for one name: the certificate's latest cer (if any) and the pending object (if any).</summary>
internal sealed record NameState(bool CertificateExists, string? Cer, string? RequestId, string? Status, bool CancellationRequested)
{
    public static readonly NameState Nothing = new(false, null, null, null, false);

    public bool HasPending => Status is not null;

    /// <summary>Reads the state from the vault, checking on the way that it is not an impossible one.</summary>
    public static async Task<NameState> ObserveAsync(RawVault raw, string name, List<string> impossible)
    {
        (RawResponse pending, RawResponse bundle) = await SnapshotAsync(raw, name).ConfigureAwait(false);
        bool certificate = bundle.Status == HttpStatusCode.OK;
        string? cer = certificate ? bundle.Json["cer"]?.GetValue<string>() : null;
        if (pending.Status != HttpStatusCode.OK)
        {
            if (pending.Status != HttpStatusCode.NotFound)
            {
                impossible.Add($"{name}: GET pending {pending}");
            }

            return new NameState(certificate, cer, null, null, false);
        }

        JsonObject p = pending.Object;
        string status = KvAssert.Str(p, "status");
        try
        {
            KvAssert.PendingShape(p, status);
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException or ArgumentOutOfRangeException)
        {
            impossible.Add($"{name}: pending shape {pending.Body}: {e.Message}");
        }

        if (!certificate)
        {
            impossible.Add($"{name}: a pending object ({status}) without a certificate");
        }
        else if (status == "inProgress" && (cer is not null || bundle.Json["attributes"]?["enabled"]?.GetValue<bool>() != false || bundle.Json["pending"] is null))
        {
            impossible.Add($"{name}: inProgress but the bundle is not a disabled pending version: {bundle.Body}");
        }
        else if (status == "completed" && cer is null)
        {
            impossible.Add($"{name}: completed but the certificate has no cer: {bundle.Body}");
        }

        return new NameState(certificate, cer, KvAssert.Str(p, "request_id"), status, p["cancellation_requested"]!.GetValue<bool>());
    }

    /// <summary>
    /// Reads the pending object and the certificate as one consistent snapshot: the two are separate requests, and a
    /// simulated CA may complete the request between them (after a restart it resumes in-flight requests), so the
    /// pending object is read again after the certificate and the pair is kept only when the pending object did not move.
    /// </summary>
    private static async Task<(RawResponse Pending, RawResponse Bundle)> SnapshotAsync(RawVault raw, string name)
    {
        const int Attempts = 10;
        for (int attempt = 1; ; attempt++)
        {
            RawResponse pending = await raw.GetAsync($"/certificates/{name}/pending").ConfigureAwait(false);
            RawResponse bundle = await raw.GetAsync($"/certificates/{name}").ConfigureAwait(false);
            RawResponse again = await raw.GetAsync($"/certificates/{name}/pending").ConfigureAwait(false);
            if ((pending.Status == again.Status && pending.Body == again.Body) || attempt == Attempts)
            {
                return (pending, bundle);
            }
        }
    }

    /// <summary>True if <paramref name="other"/> is this state, a null request id (a create whose answer was lost) matching any.</summary>
    public bool Matches(NameState other) =>
        CertificateExists == other.CertificateExists
        && Cer == other.Cer
        && Status == other.Status
        && CancellationRequested == other.CancellationRequested
        && (RequestId is null || other.RequestId is null || RequestId == other.RequestId);
}

/// <summary>An operation on a name's manual (Unknown-issuer) pending lifecycle, with what the client saw of it.</summary>
internal abstract record LifecycleOp(string Name)
{
    public long Started { get; init; }

    public long Finished { get; set; } = long.MaxValue;

    /// <summary>The state after this operation, or null where the vault would have refused it.</summary>
    public abstract NameState? Apply(NameState state);
}

internal sealed record CreateOp(string Name, string? RequestId) : LifecycleOp(Name)
{
    public override NameState? Apply(NameState state) =>
        state.Status == "inProgress" ? null : new NameState(true, null, RequestId, "inProgress", false);
}

internal sealed record CancelOp(string Name) : LifecycleOp(Name)
{
    public override NameState? Apply(NameState state) =>
        state.Status == "inProgress" ? state with { CancellationRequested = true } : null;
}

internal sealed record DeletePendingOp(string Name) : LifecycleOp(Name)
{
    public override NameState? Apply(NameState state) =>
        state.HasPending ? state with { RequestId = null, Status = null, CancellationRequested = false } : null;
}

internal sealed record MergeOp(string Name, string ForRequestId, string Cer) : LifecycleOp(Name)
{
    public override NameState? Apply(NameState state) =>
        state.Status == "inProgress" && (state.RequestId is null || state.RequestId == ForRequestId)
            ? state with { Cer = Cer, Status = "completed", RequestId = state.RequestId ?? ForRequestId }
            : null;
}

/// <summary>
/// Linearizability check for one name: is there an order of the acknowledged operations, consistent with real time
/// (an operation that finished before another started comes first), in which each would have succeeded, whose end
/// state is what the vault shows? Operations whose answer was lost (<paramref name="maybe"/>) may or may not be in it.
/// </summary>
internal static class Linearizability
{
    public static bool Explains(IReadOnlyList<LifecycleOp> acknowledged, IReadOnlyList<LifecycleOp> maybe, NameState observed)
    {
        var all = acknowledged.Select(o => (Op: o, Required: true)).Concat(maybe.Select(o => (Op: o, Required: false))).ToList();
        return Search(all, new bool[all.Count], NameState.Nothing, observed, budget: new int[] { 200_000 });
    }

    private static bool Search(List<(LifecycleOp Op, bool Required)> ops, bool[] used, NameState state, NameState observed, int[] budget)
    {
        if (--budget[0] < 0)
        {
            return false;
        }

        bool requiredLeft = false;
        long earliestFinish = long.MaxValue;
        for (int i = 0; i < ops.Count; i++)
        {
            if (!used[i] && ops[i].Required)
            {
                requiredLeft = true;
                earliestFinish = Math.Min(earliestFinish, ops[i].Op.Finished);
            }
        }

        if (!requiredLeft && state.Matches(observed))
        {
            return true;
        }

        for (int i = 0; i < ops.Count; i++)
        {
            // An op may go next only if no required op still waiting finished before it started.
            if (used[i] || ops[i].Op.Started > earliestFinish)
            {
                continue;
            }

            NameState? next = ops[i].Op.Apply(state);
            if (next is null)
            {
                continue;
            }

            used[i] = true;
            bool found = Search(ops, used, next, observed, budget);
            used[i] = false;
            if (found)
            {
                return true;
            }
        }

        return false;
    }
}
